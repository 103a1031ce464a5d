import { expect, test } from './fixtures.ts'

test('the demo page encodes a broadcast as a kind-3 frame and decodes it back', async ({ page }) => {
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'shared-realtime' })).toBeVisible()
  // 03 = kind 3 (user broadcast push), then the lengths of "1", "2", "realtime:room1", "cursor", no metadata, JSON
  await expect(page.locator('#frame')).toHaveText(/^03 01 01 0e 06 00 01 /)
  await expect(page.locator('#decoded')).toContainText('"topic": "realtime:room1"')
  await expect(page.locator('#decoded')).toContainText('"x": 10')
})
