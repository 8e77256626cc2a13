// Drives the Junction console in headless Chromium. Run by console_test.go,
// which starts the broker, prepares the queues and connections named below
// and checks the broker side afterwards; this script checks what the page
// shows. Each step prints one line so a failure says where it stopped.
//
// Environment: CONSOLE_URL, CONSOLE_USER, CONSOLE_PASSWORD, CHROMIUM,
// PUBLISH_PAYLOAD (body to publish to queue "orders"), SCREENSHOT (path),
// CLOSE_CONNECTION (user_provided_name of the connection to close),
// DURABLE_CLIENT_ID and DURABLE_NAME (a durable subscription to find),
// NEW_USER (a user to create, tagged monitoring); optionally PAGES_DIR,
// where every page is also screenshotted, and CHART_SECONDS, how long the
// overview collects samples before its screenshot.

import { chromium } from 'playwright-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`environment variable ${k} is not set`);
  return v;
};
const url = env('CONSOLE_URL');
const user = env('CONSOLE_USER');
const password = env('CONSOLE_PASSWORD');
const payload = env('PUBLISH_PAYLOAD');
const doomed = env('CLOSE_CONNECTION');
const screenshot = env('SCREENSHOT');
const durableClient = env('DURABLE_CLIENT_ID');
const durableName = env('DURABLE_NAME');
const newUser = env('NEW_USER');
const pagesDir = process.env.PAGES_DIR;

const TIMEOUT = 10_000;
let stepName = 'start';
const step = (name) => {
  stepName = name;
  console.log(`step: ${name}`);
};

function expectEqual(what, got, want) {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

// poll retries check until it stops throwing, for figures that appear on
// the next refresh.
async function poll(what, check) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${e.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  page.setDefaultTimeout(TIMEOUT);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  // Purge and close ask for confirmation; say yes, and record the question.
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.accept(); });

  step('a wrong password keeps the login form and says why');
  await page.goto(url);
  if (pagesDir) await page.screenshot({ path: `${pagesDir}/login.png` });
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`${password}-wrong`);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Login failed' }).waitFor();
  expectEqual('credentials kept after a failed login', await page.evaluate(() => sessionStorage.getItem('junction.credentials')), null);

  step('the right password opens the overview');
  // The refused login logged its 401; from here on no error is expected.
  pageErrors.length = 0;
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  expectEqual('user shown', (await page.locator('.who').textContent()).trim(), user);
  await page.getByLabel('Refresh').selectOption('1');

  step('a connection is closed from the connections page');
  await page.getByRole('link', { name: 'Connections' }).click();
  const doomedRow = page.locator('tr', { hasText: doomed });
  await doomedRow.waitFor();
  expectEqual('doomed connection protocol', (await doomedRow.locator('.badge').textContent()).trim(), 'AMQP 0-9-1');
  await doomedRow.getByRole('button', { name: 'Close' }).click();
  await doomedRow.waitFor({ state: 'detached' });

  step('the queues page lists the backlog with its 5 messages');
  await page.getByRole('link', { name: 'Queues', exact: true }).click();
  const backlogRow = page.locator('tbody tr[data-key="//backlog"]');
  await poll('backlog ready count', async () => expectEqual('backlog Ready cell', await backlogRow.locator('td').nth(4).textContent(), '5'));

  step('a message is published to queue orders from its page');
  await page.getByRole('link', { name: 'orders', exact: true }).click();
  await page.getByRole('heading', { name: 'Queue orders' }).waitFor();
  await page.getByLabel('Payload').fill(payload);
  await page.getByRole('button', { name: 'Publish message' }).click();
  await page.getByRole('status').filter({ hasText: 'Message published.' }).waitFor();

  step('get messages on backlog shows the first message and requeues it');
  await page.goto(`${url}#/queues/%2F/backlog`);
  await page.getByRole('heading', { name: 'Queue backlog' }).waitFor();
  await page.getByRole('button', { name: 'Get messages' }).click();
  const shown = page.locator('.message .payload');
  await shown.first().waitFor();
  expectEqual('messages shown by get', await shown.count(), 1);
  expectEqual('first payload', await shown.first().textContent(), 'backlog-1');

  step('the backlog is purged from the queues page');
  await page.getByRole('link', { name: 'Queues', exact: true }).click();
  await poll('backlog ready count before purge', async () => expectEqual('backlog Ready cell', await backlogRow.locator('td').nth(4).textContent(), '5'));
  await backlogRow.getByRole('button', { name: 'Purge' }).click();
  await page.getByRole('status').filter({ hasText: 'Queue backlog purged.' }).waitFor();
  await poll('backlog ready count after purge', async () => expectEqual('backlog Ready cell', await backlogRow.locator('td').nth(4).textContent(), '0'));
  expectEqual('confirmations asked', dialogs.length, 2);
  if (!dialogs[1].includes('backlog')) throw new Error(`purge confirmation ${JSON.stringify(dialogs[1])} does not name the queue`);

  step('the durable subscriptions page lists the STOMP subscription');
  await page.getByRole('link', { name: 'Durable subscriptions' }).click();
  // Located by its key: a text match also finds the subscription's queue
  // on the queues page, which is still shown until the route changes.
  const sub = page.locator(`tbody tr[data-key="subscription://${durableClient}/${durableName}"]`);
  await sub.waitFor();
  expectEqual('subscription client ID', await sub.locator('td').nth(1).textContent(), durableClient);
  expectEqual('subscription name', await sub.locator('td').nth(2).textContent(), durableName);

  step('a monitoring user is created from the users page');
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('Username').fill(newUser);
  await page.getByLabel('Password').fill(`${newUser}-secret`);
  await page.getByLabel('monitoring').check();
  await page.getByRole('button', { name: 'Add or update user' }).click();
  const userRow = page.locator(`tbody tr[data-key="${newUser}"]`);
  await userRow.waitFor();
  expectEqual('new user tags', await userRow.locator('td').nth(1).textContent(), 'monitoring');

  step('the monitoring user sees the queues without buttons and no users page');
  await page.getByRole('button', { name: 'Log out' }).click();
  expectEqual('credentials kept after log out', await page.evaluate(() => sessionStorage.getItem('junction.credentials')), null);
  await page.getByLabel('Username').fill(newUser);
  await page.getByLabel('Password').fill(`${newUser}-secret`);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  expectEqual('users tab for a monitoring user', await page.getByRole('link', { name: 'Users' }).count(), 0);
  await page.getByRole('link', { name: 'Queues', exact: true }).click();
  await backlogRow.waitFor();
  expectEqual('buttons for a monitoring user', await page.locator('main button').count(), 0);
  expectEqual('forms for a monitoring user', await page.locator('main form').count(), 0);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  // Logging in keeps the page that was open (#/queues).
  await page.getByRole('heading', { name: 'Queues' }).waitFor();
  expectEqual('user shown after logging in again', (await page.locator('.who').textContent()).trim(), user);

  if (pagesDir) {
    step('screenshots of every page');
    for (const [name, hash] of [['connections', '#/connections'], ['queues', '#/queues'], ['queue', '#/queues/%2F/traffic'],
      ['exchanges', '#/exchanges'], ['subscriptions', '#/subscriptions'], ['users', '#/users']]) {
      await page.goto(`${url}${hash}`);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: `${pagesDir}/${name}.png`, fullPage: true });
    }
    await page.goto(`${url}#/overview`);
  }

  step('the overview charts have data; screenshot');
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  // Enough 1 s samples for the rate chart to show the traffic's shape.
  await poll('rate samples', async () => {
    const n = await page.evaluate(() => document.querySelectorAll('.chart').length);
    expectEqual('charts on the overview', n, 2);
    const publish = await page.locator('.chart').nth(1).locator('.legend li').first().locator('strong').textContent();
    if (!(parseFloat(publish) > 0)) throw new Error(`publish rate legend is ${publish}`);
  });
  await page.waitForTimeout(Number(process.env.CHART_SECONDS ?? '8') * 1000);
  await page.screenshot({ path: screenshot });

  expectEqual('page errors', pageErrors.join('\n'), '');
  console.log('ok');
} catch (e) {
  failed = true;
  console.error(`FAIL in step "${stepName}": ${e.message}`);
  // What the page showed, to tell a wrong page from a slow one.
  const text = await browser.contexts()[0]?.pages()[0]?.locator('body').innerText().catch(() => '?');
  console.error(`page text: ${String(text).replace(/\s+/g, ' ').slice(0, 1500)}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
