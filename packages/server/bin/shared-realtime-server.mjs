#!/usr/bin/env node
// The dev server's command. The package ships TypeScript sources; tsx runs them on
// Node 20, which cannot strip types itself.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')
