// The page without a client (none.html): what every tab holds anyway (Vite's runtime, the bench's receiver).
import { start } from './main.ts'

start(undefined)
