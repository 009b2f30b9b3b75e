// Accessibility and layout of every screen: axe-core (WCAG 2.x A/AA and best
// practices) reports no serious or critical violation, at desktop width and
// at 360 px, where nothing may overflow sideways. Also keyboard-only use of
// the main flow. Screenshots of each screen go to the build folder.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiCall, assertNoProblems, axeViolations, cleanupAll, launchBrowser, screenshotPath, startChirpd, watchedContext,
} from './harness.mjs';

const T = 20000;
let base;
let browser;
let tweetPath;

before(async () => {
  ({ base } = await startChirpd());
  browser = await launchBrowser();
  // Seed through the public API with bearer tokens.
  const tokens = {};
  for (const [username, display_name] of [['alice', 'Alice Liddell'], ['bob', 'Bob Builder']]) {
    await apiCall(base, 'POST', '/users', { username, password: 'correct horse battery', display_name });
    tokens[username] = (await apiCall(base, 'POST', '/auth/login', { username, password: 'correct horse battery' })).token;
  }
  await apiCall(base, 'PATCH', '/me', { bio: 'Curiouser and curiouser. Tea, search engines and #rabbitholes.' }, tokens.alice);
  await apiCall(base, 'PUT', '/users/bob/follow', undefined, tokens.alice);
  await apiCall(base, 'PUT', '/users/alice/follow', undefined, tokens.bob);
  const first = await apiCall(base, 'POST', '/tweets',
    { text: 'Shipping the new search today: try from:alice or #release, docs at https://example.com/search' }, tokens.alice);
  await apiCall(base, 'POST', '/tweets', { text: 'Coffee first, more coffee later, then code review with @alice. #release' }, tokens.bob);
  await apiCall(base, 'POST', '/tweets', { text: 'Looks great! The highlighted snippets are lovely.', in_reply_to: first.id }, tokens.bob);
  await apiCall(base, 'PUT', `/tweets/alice/${first.id}/like`, undefined, tokens.bob);
  await apiCall(base, 'POST', '/tweets', { text: 'Crème brûlée at the café — accents count as one character each.' }, tokens.alice);
  tweetPath = `/alice/status/${first.id}`;
});
after(cleanupAll);

// Each screen: a path, what shows it is ready, and whether it needs a login.
const screens = [
  { name: 'landing', path: '/', ready: 'h1:text("All tweets")', guest: true, wait: 'article.tweet' },
  { name: 'login', path: '/login', ready: 'h1:text("Log in to chirp")', guest: true },
  { name: 'signup', path: '/signup', ready: 'h1:text("Create your chirp account")', guest: true },
  { name: 'user-guest', path: '/alice', ready: 'h1:text("Alice Liddell")', guest: true, wait: 'article.tweet' },
  { name: 'home', path: '/', ready: 'h1:text("Home")', wait: 'article.tweet' },
  { name: 'all-tweets', path: '/explore', ready: 'h1:text("All tweets")', wait: 'article.tweet' },
  { name: 'profile-edit', path: '/alice', ready: 'h1:text("Alice Liddell")', wait: 'article.tweet', click: 'Edit profile' },
  { name: 'user', path: '/bob', ready: 'h1:text("Bob Builder")', wait: 'article.tweet' },
  { name: 'tweet', path: () => tweetPath, ready: 'article.tweet.focus', wait: '.list article.tweet' },
  { name: 'search', path: '/search?q=%23release%20OR%20coffee', ready: 'h1:text("Search")', wait: 'mark', openHelp: true },
  { name: 'search-suggestion', path: '/search?q=cofee', ready: 'p.suggestion a' },
  { name: 'search-error', path: '/search?q=foo%3Abar', ready: '[role="alert"]', expect: [/400/] },
  { name: 'user-missing', path: '/nobody', ready: 'h1:text("No such user")', expect: [/404/] },
  { name: 'tweet-missing', path: '/alice/status/12345', ready: 'h1:text("Tweet not found")', expect: [/404/] },
  { name: 'not-found', path: '/alice/status/1/nope', ready: 'h1:text("Page not found")' },
  { name: 'compose-over-limit', path: '/', ready: 'h1:text("Home")', fill: 'x'.repeat(290) },
];

async function visit(page, screen) {
  const p = typeof screen.path === 'function' ? screen.path() : screen.path;
  await page.goto(`${base}${p}`);
  await page.locator(screen.ready).first().waitFor({ timeout: T });
  if (screen.wait) await page.locator(screen.wait).first().waitFor({ timeout: T });
  if (screen.openHelp) await page.locator('summary', { hasText: 'Search operators' }).click();
  if (screen.click) await page.getByRole('button', { name: screen.click }).click();
  if (screen.fill) await page.getByLabel('Tweet text').fill(screen.fill);
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'), null, { timeout: T });
}

for (const [width, height] of [[1280, 900], [360, 780]]) {
  test(`every screen at ${width} px: no serious or critical axe violation, no sideways overflow`, async () => {
    const guest = await watchedContext(browser, `guest-${width}`, { viewport: { width, height } });
    const member = await watchedContext(browser, `alice-${width}`, { viewport: { width, height } });
    await member.page.goto(`${base}/login`);
    await member.page.getByLabel('Username').fill('alice');
    await member.page.getByLabel('Password').fill('correct horse battery');
    await member.page.getByRole('button', { name: 'Log in' }).click();
    await member.page.getByRole('heading', { level: 1, name: 'Home' }).waitFor({ timeout: T });
    const failures = [];
    for (const screen of screens) {
      const who = screen.guest ? guest : member;
      who.watch.expected = screen.expect || [];
      await visit(who.page, screen);
      await who.page.screenshot({ path: screenshotPath(`${screen.name}-${width}`), fullPage: true });
      for (const v of await axeViolations(who.page)) failures.push(`${screen.name} @${width}: ${v}`);
      const overflow = await who.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) failures.push(`${screen.name} @${width}: ${overflow} px sideways overflow`);
      who.watch.expected = [];
    }
    assert.deepEqual(failures, []);
    assertNoProblems(guest.watch, member.watch);
    await guest.context.close();
    await member.context.close();
  });
}

test('keyboard only: skip link, log in, post, visible focus', async () => {
  const { page, watch, context } = await watchedContext(browser, 'keyboard');
  await page.goto(`${base}/login`);
  await page.getByRole('heading', { level: 1, name: 'Log in to chirp' }).waitFor({ timeout: T });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  const focusOutline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(focusOutline, 'none');
  await page.keyboard.press('Enter');
  // Tab from the main landmark reaches the form fields in order.
  const reached = [];
  for (let i = 0; i < 6 && !reached.includes('password'); i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement.id || document.activeElement.tagName));
  }
  assert.ok(reached.includes('username') && reached.includes('password'), reached.join(','));
  await page.focus('#username');
  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  await page.keyboard.type('correct horse battery');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor({ timeout: T });
  // Focus moved to the new screen's heading; the composer is one Tab away.
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-describedby')?.startsWith('counter')), true);
  await page.keyboard.type('Typed with the keyboard only');
  await page.keyboard.press('Control+Enter');
  await page.locator('article.tweet', { hasText: 'Typed with the keyboard only' }).waitFor({ timeout: T });
  assertNoProblems(watch);
  await context.close();
});
