// The page of @supabase/realtime-js (realtime-js.html): its client imported statically, as an app would.
import { start, type ClientFactory } from './main.ts'
import { RealtimeClient } from '@supabase/realtime-js'

const create: ClientFactory = (url, options) => new RealtimeClient(url, options) as unknown as ReturnType<ClientFactory>
start(create)
