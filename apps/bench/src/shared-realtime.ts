// The page of this client (shared-realtime.html), host from ?client= (shared-worker, page, leader): imported
// statically, as an app would. main.ts is imported first, so it runs before the client's module.
import { start, type ClientFactory } from './main.ts'
import { RealtimeClient } from '@shared-realtime/client'

const create: ClientFactory = (url, options, kind) => new RealtimeClient(url, { ...options, host: kind as 'page' })
start(create)
