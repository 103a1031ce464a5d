// The demo among other users who do not play by its rules (issue #16): a guest id is public, so it must not sign
// anyone else in; a broadcast can claim anyone's id, so a tab stores only what it wrote; presence metas and
// broadcasts can hold anything, so each field is type-checked and a colour used only as #rrggbb. "Mallory" is a
// second browser, or a plain WebSocket client with the anon key (`peer`): what anyone can open.
import { randomUUID } from 'node:crypto'
import type { Page } from '@playwright/test'
import { realtimePort } from '../playwright.config.ts'
import { message, say, signIn } from './demo.ts'
import { expect, test } from './fixtures.ts'
import { admin, ANON_KEY, type Stats } from './realtime.ts'

const HTTP = `http://127.0.0.1:${realtimePort}`
const GUEST_KEY = 'shared-realtime-demo:guest'

test.beforeEach(async () => {
  await expect.poll(async () => (await admin<Stats>('/admin/stats')).sockets, { timeout: 10_000 }).toBe(0)
})

interface Peer {
  track(meta: unknown): Promise<void>
  broadcast(event: string, payload: unknown): void
  close(): void
}

/** A WebSocket client joined to `room:lobby` (anon key, vsn 1.0.0) as presence key `key`. */
async function peer(key: string, topic = 'room:lobby'): Promise<Peer> {
  const { WebSocket } = await import('ws')
  const ws = new WebSocket(`ws://127.0.0.1:${realtimePort}/realtime/v1/websocket?apikey=${ANON_KEY}&vsn=1.0.0`)
  const replies = new Map<string, (status: string) => void>()
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { event: string; ref?: string; payload: { status?: string } }
    if (frame.event === 'phx_reply' && frame.ref) replies.get(frame.ref)?.(frame.payload.status ?? '')
  })
  let ref = 0
  const push = (event: string, payload: unknown): Promise<string> => {
    const id = String(++ref)
    ws.send(JSON.stringify({ topic: `realtime:${topic}`, event, payload, ref: id, join_ref: '1' }))
    return new Promise((resolve) => replies.set(id, resolve))
  }
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const config = { broadcast: { self: false, ack: false }, presence: { key, enabled: true } }
  expect(await push('phx_join', { config })).toBe('ok')
  return {
    track: async (meta) =>
      expect(await push('presence', { type: 'presence', event: 'track', payload: meta })).toBe('ok'),
    broadcast: (event, payload) => void push('broadcast', { type: 'broadcast', event, payload }),
    close: () => ws.close(),
  }
}

/** Alice's guest as her browser keeps it: her id and secret. */
async function keptGuest(page: Page): Promise<{ name: string; id: string; secret: string }> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null') as never, GUEST_KEY)
}

async function guestCall(body: unknown): Promise<{ status: number; body: { token?: string; user?: { id: string } } }> {
  const res = await fetch(`${HTTP}/demo/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as never }
}

/** The lobby's history as the server has it (read with a guest token of the test's own). */
async function history(): Promise<Array<{ id: string; user_id: string; text: string }>> {
  const { body } = await guestCall({ name: 'reader' })
  const res = await fetch(`${HTTP}/demo/rooms/lobby/messages?limit=200`, {
    headers: { authorization: `Bearer ${body.token}` },
  })
  return ((await res.json()) as { messages: Array<{ id: string; user_id: string; text: string }> }).messages
}

test('a guest id without its secret signs nobody in (403): Mallory cannot be Alice', async ({ page, browser }) => {
  await signIn(page, 'Alice')
  const alice = await keptGuest(page)
  expect(alice).toEqual({ name: 'Alice', id: expect.stringMatching(/^[0-9a-f-]{36}$/), secret: expect.any(String) })
  await expect(page.getByTestId('presence-user').filter({ hasText: '(you' })).toHaveAttribute('data-user', alice.id)
  // the browser never keeps the token, only the guest's secret
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }))
  expect(storage).not.toMatch(/eyJ[\w-]+\.eyJ/)

  // her id is public (presence keys, messages): alone, or with a made-up secret, it gets no token
  for (const body of [
    { name: 'Mallory', id: alice.id },
    { name: 'Mallory', id: alice.id, secret: 'x'.repeat(43) },
  ]) {
    const res = await guestCall(body)
    expect(res.status).toBe(403)
    expect(res.body.token).toBeUndefined()
  }
  // her browser, with her secret, is her
  expect((await guestCall({ name: 'Alice', id: alice.id, secret: alice.secret })).body.user?.id).toBe(alice.id)

  // Mallory's browser claims Alice's id (as if it had kept it): refused, she is asked to join as herself
  const second = await browser.newContext()
  const malloryErrors: string[] = [] // the fixture watches Alice's context; this is Mallory's
  second.on('console', (m) => void (m.type() === 'error' && malloryErrors.push(m.text())))
  second.on('weberror', (e) => void malloryErrors.push(e.error().message))
  try {
    const mallory = await second.newPage()
    await mallory.goto('/')
    await expect(mallory.getByTestId('name-input')).toBeVisible()
    await mallory.evaluate(([key, value]) => localStorage.setItem(key, value), [
      GUEST_KEY,
      JSON.stringify({ name: 'Mallory', id: alice.id, secret: 'x'.repeat(43) }),
    ] as const)
    await mallory.reload()
    await expect(mallory.getByTestId('sign-in-error')).toContainText('403')
    await expect(mallory.getByTestId('name-input')).toHaveValue('Mallory')
    await mallory.getByTestId('sign-in').click()
    await expect(mallory.getByTestId('me')).toHaveText('Mallory')
    const malloryId = await mallory.getByTestId('presence-user').filter({ hasText: '(you' }).getAttribute('data-user')
    expect(malloryId).toMatch(/^[0-9a-f-]{36}$/)
    expect(malloryId).not.toBe(alice.id)
    const text = `not Alice ${Date.now()}`
    await expect(await say(mallory, text)).toHaveAttribute('data-state', 'sent')
    await expect(message(page, text)).toHaveCount(1)
    await expect(message(page, text)).not.toHaveClass(/\bmine\b/)
    await expect.poll(async () => (await history()).find((m) => m.text === text)?.user_id).toBe(malloryId)
    // Chromium logs the refused request; nothing else went wrong
    expect(malloryErrors).toEqual([expect.stringMatching(/status of 403/)])
  } finally {
    await second.close()
  }
})

test('a browser that kept an id but no secret (before secrets) signs in by itself as a new guest of that name', async ({
  page,
}) => {
  const old = randomUUID()
  await page.goto('/')
  await expect(page.getByTestId('name-input')).toBeVisible()
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [
    GUEST_KEY,
    JSON.stringify({ name: 'Ada', id: old }),
  ] as const)
  await page.reload()
  await expect(page.getByTestId('me')).toHaveText('Ada') // no form, no 403: the id was not sent
  const kept = await keptGuest(page)
  expect(kept).toEqual({ name: 'Ada', id: expect.stringMatching(/^[0-9a-f-]{36}$/), secret: expect.any(String) })
  expect(kept.id).not.toBe(old)
  await expect(page.getByTestId('presence-user').filter({ hasText: '(you' })).toHaveAttribute('data-user', kept.id)
})

test("a broadcast claiming Alice's id is shown as received, and her tab does not store it", async ({ page }) => {
  await signIn(page, 'Alice')
  const alice = await keptGuest(page)
  const mallory = await peer('mallory')
  try {
    const forged = {
      id: randomUUID(),
      text: `forged ${Date.now()}`,
      user: { id: alice.id, name: 'Alice', color: '#e11d48' },
    }
    // the lobby's broadcasts reach a tab once it joined: send until the forged message shows
    await expect(async () => {
      mallory.broadcast('message', forged)
      await expect(message(page, forged.text)).toHaveCount(1, { timeout: 500 })
    }).toPass({ timeout: 15_000 })
    const shown = message(page, forged.text)
    await expect(shown).toHaveAttribute('data-state', 'received')
    await expect(shown).not.toHaveClass(/\bmine\b/)

    // what Alice writes herself is stored; the forged one, handled before it, never is
    const own = `mine ${Date.now()}`
    await expect(await say(page, own)).toHaveAttribute('data-state', 'sent')
    await expect.poll(async () => (await history()).find((m) => m.text === own)?.user_id).toBe(alice.id)
    expect((await history()).filter((m) => m.text === forged.text)).toEqual([])
    // after a reload the history is the server's: the forged words are gone, Alice's own are hers
    await page.reload()
    await expect(message(page, own)).toHaveClass(/\bmine\b/)
    await expect(message(page, forged.text)).toHaveCount(0)
  } finally {
    mallory.close()
  }
})

test('presence and broadcasts with wrong types render safely: no page error, no colour but #rrggbb', async ({
  page,
  context,
}) => {
  const fetched: string[] = []
  context.on('request', (request) => {
    if (request.url().includes('evil')) fetched.push(request.url())
  })
  const evil = (what: string) => `url(http://127.0.0.1:9/evil-${what}.png)`
  await signIn(page, 'Alice')
  const mallory = await peer('mallory')
  try {
    await mallory.track({ id: 42, name: 42, color: evil('presence') })
    const entry = page.getByTestId('presence-user').filter({ hasNot: page.getByTestId('my-tabs') })
    await expect(entry).toHaveCount(1, { timeout: 15_000 })
    await expect(entry).toHaveAttribute('data-user', 'mallory') // the id was not a string: the presence key
    await expect(entry).toContainText('anonymous')
    // retried: a presence sync may re-render the list between finding the avatar and reading its style (a detached
    // element has no computed style)
    await expect(entry.locator('.avatar')).toHaveCSS('background-color', 'rgb(135, 146, 162)')

    // broadcasts: wrong types dropped, a wrong name or colour replaced; the last, well-formed one is the barrier
    const user = { id: 'mallory', name: 'Mallory', color: '#123456' }
    const stamp = Date.now()
    const bad = [
      { id: randomUUID(), text: 42, user },
      { id: 42, text: `bad id ${stamp}`, user },
      { id: randomUUID(), text: `no user id ${stamp}`, user: { name: 'Mallory' } },
      { id: randomUUID(), text: `no user ${stamp}`, user: 'Mallory' },
      'not an object',
      null,
    ]
    const odd = {
      id: randomUUID(),
      text: `odd fields ${stamp}`,
      user: { id: 'mallory', name: 42, color: evil('chat') },
      created_at: 'soon',
    }
    const last = { id: randomUUID(), text: `well-formed ${stamp}`, user }
    await expect(async () => {
      for (const payload of [...bad, odd, last]) mallory.broadcast('message', payload)
      await expect(message(page, last.text)).toHaveCount(1, { timeout: 500 })
    }).toPass({ timeout: 15_000 })
    await expect(message(page, odd.text)).toHaveCount(1)
    await expect(message(page, odd.text)).toContainText('anonymous')
    await expect(message(page, odd.text).locator('.avatar')).toHaveCSS('background-color', 'rgb(135, 146, 162)')
    for (const text of [`bad id ${stamp}`, `no user id ${stamp}`, `no user ${stamp}`])
      await expect(message(page, text)).toHaveCount(0)

    // a cursor with a wrong name and colour: drawn, labelled "anonymous", in the fallback colour
    const cursors = await peer('mallory-cursors', 'room:lobby-cursors')
    try {
      const cursor = page.getByTestId('cursor')
      await expect(async () => {
        cursors.broadcast('cursor', { user: 'nobody', x: 1, y: 1 })
        cursors.broadcast('cursor', { user, x: 'left', y: 1 })
        cursors.broadcast('cursor', {
          user: { id: 'mallory', name: { first: 'M' }, color: evil('cursor') },
          x: 120,
          y: 140,
        })
        await expect(cursor).toHaveCount(1, { timeout: 500 })
      }).toPass({ timeout: 15_000 })
      await expect(cursor).toHaveText('anonymous')
      expect(await cursor.evaluate((el) => el.style.getPropertyValue('--cursor-color'))).toBe('#8792a2')
    } finally {
      cursors.close()
    }
    expect(fetched).toEqual([]) // no viewer fetched an attacker's URL
  } finally {
    mallory.close()
  }
})
