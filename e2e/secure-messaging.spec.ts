import { readFile } from 'node:fs/promises';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { checkPage, demoAccounts, signIn, waitForHydration } from './support';
import { randomMarker, randomPixelsPng, setUpSecureMessaging, unreadMessagesInNavigation } from './chat-support';

/**
 * Secure messaging, end to end in Chromium, through the real UI:
 *  - Dr. Chen and Nurse Patel set up their keys with a recovery passphrase and chat; unread
 *    counts follow, receipts go from sent to read, a reply quotes what it answers.
 *  - Maria Garcia writes to her care team from the portal with a photo; Dr. Chen reads it (the
 *    photo decrypts and shows), and Maria sees "Read" within a second.
 *  - Search in the browser finds the message.
 *  - Dr. Chen on a new device: a wrong passphrase fails in plain words and changes nothing; the
 *    right one restores the keys and the old messages read again. Nurse Patel approves a new
 *    device from one in use after comparing codes, and it reads her messages.
 * Every new page passes axe-core and fits a 360 px phone.
 */

const chenPassphrase = 'amber kettle harbour violin 42';
const patelPassphrase = 'copper meadow lantern quiet 7';
const mariaPassphrase = 'orchid tram pebble sunrise 19';
const staffChat = randomMarker('dressing-change');
const photoNote = randomMarker('rash-photo');

test.describe.configure({ mode: 'serial' });

/** Opens the conversation linked from the page's conversation list. */
async function openConversation(page: Page, name: RegExp): Promise<void> {
	await page.getByRole('list', { name: 'Conversations' }).getByRole('link', { name }).click();
	await expect(page).toHaveURL(/\/messages\/[0-9a-f-]{36}/);
	await waitForHydration(page);
}

async function send(page: Page, text: string): Promise<void> {
	await page.getByRole('textbox', { name: 'Message' }).fill(text);
	await page.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');
}

/** The article of the message whose text contains `text`. */
const messageWith = (page: Page, text: string) => page.getByRole('article').filter({ hasText: text });

async function newContext(browser: Browser): Promise<BrowserContext> {
	return browser.newContext();
}

test('a doctor and a nurse chat, then a patient sends the care team a photo the doctor reads', async ({ browser }) => {
	// Axe-core runs on nine pages at two widths: most of the time goes there.
	test.setTimeout(480_000);
	const contexts = await Promise.all([newContext(browser), newContext(browser), newContext(browser)]);
	const [chenContext, patelContext, mariaContext] = contexts;
	try {
		// ── both clinicians set up secure messaging on their browsers ──
		const chen = await chenContext!.newPage();
		await signIn(chen, demoAccounts.physician);
		await setUpSecureMessaging(chen, '/account/secure-messaging', chenPassphrase);
		await expect(chen.getByRole('heading', { name: 'Your devices' })).toBeVisible();
		await expect(chen.getByText('· this device')).toBeVisible();
		await checkPage(chen, 'secure messaging account page');

		const patel = await patelContext!.newPage();
		await signIn(patel, demoAccounts.nurse);
		await setUpSecureMessaging(patel, '/account/secure-messaging', patelPassphrase);
		await patel.goto('/patients');
		await waitForHydration(patel);
		expect(await unreadMessagesInNavigation(patel)).toBe(0);

		// ── Dr. Chen starts a conversation with Nurse Patel ──
		await chen.goto('/messages');
		await waitForHydration(chen);
		await expect(chen.getByRole('heading', { level: 1, name: 'Messages' })).toBeVisible();
		await checkPage(chen, 'messages list');
		await chen.getByRole('button', { name: 'New conversation' }).click();
		const dialog = chen.getByRole('dialog', { name: 'New conversation' });
		await dialog.getByLabel('Find people').fill('Patel');
		await dialog.getByRole('radio', { name: /Priya Patel/ }).check();
		await expectDialogAccessible(chen);
		await dialog.getByRole('button', { name: 'Start conversation' }).click();
		await expect(chen).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
		await expect(chen.getByRole('heading', { level: 1, name: 'Priya Patel, RN' })).toBeVisible();
		await send(chen, `Bed 4 needs a dressing change ${staffChat}`);
		const chenMessage = messageWith(chen, staffChat);
		await expect(chenMessage).toBeVisible();
		await expect(chenMessage.getByTestId('receipt')).toHaveText(/Sent|Delivered/);
		await checkPage(chen, 'conversation');

		// Nurse Patel's navigation counts it without a reload, and the list shows it unread.
		await expect.poll(() => unreadMessagesInNavigation(patel), { timeout: 10_000 }).toBe(1);
		await patel.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Messages/ }).click();
		await expect(patel).toHaveURL(/\/messages$/);
		await openConversation(patel, /Dr\. Emily Chen \(1 unread\)/);
		await expect(messageWith(patel, staffChat)).toBeVisible();
		await expect.poll(() => unreadMessagesInNavigation(patel)).toBe(0);
		// …and Dr. Chen's receipt turns to "Read".
		await expect(chenMessage.getByTestId('receipt')).toHaveText('Read');

		// A reply quotes the message it answers.
		await messageWith(patel, staffChat).getByRole('button', { name: /^Reply to Dr\. Emily Chen/ }).click();
		await send(patel, 'On it, done by noon');
		await expect(messageWith(chen, 'On it, done by noon')).toBeVisible();
		await expect(messageWith(chen, 'On it, done by noon').locator('blockquote')).toContainText(staffChat);

		// ── Maria writes to her care team from the portal, with a photo ──
		const maria = await mariaContext!.newPage();
		await signIn(maria, demoAccounts.patient);
		await expect(maria).toHaveURL(/\/portal/);
		await waitForHydration(maria);
		await maria.getByRole('link', { name: 'Message care team' }).click();
		await expect(maria).toHaveURL(/\/portal\/messages\?patient=[0-9a-f-]{36}$/);
		await waitForHydration(maria);
		await expect(maria.getByRole('heading', { name: 'Set up secure messaging' })).toBeVisible({ timeout: 20_000 });
		await checkPage(maria, 'portal messages: set up');
		// The passphrase guidance, and a mismatch refused in words before anything happens.
		await maria.getByLabel('Recovery passphrase', { exact: true }).fill('short');
		await expect(maria.getByText('Strength: Too short.')).toBeVisible();
		await maria.getByLabel('Recovery passphrase', { exact: true }).fill(mariaPassphrase);
		await maria.getByLabel('Type the passphrase again').fill(`${mariaPassphrase}x`);
		await maria.getByRole('button', { name: 'Set up secure messaging' }).click();
		await expect(maria.getByText('The two passphrases are not the same.')).toBeVisible();
		await maria.getByLabel('Type the passphrase again').fill(mariaPassphrase);
		await maria.getByRole('button', { name: 'Set up secure messaging' }).click();
		await expect(maria.getByRole('heading', { name: 'Care team', exact: true })).toBeVisible({ timeout: 30_000 });
		await checkPage(maria, 'portal messages');
		await maria.getByRole('button', { name: 'Message care team' }).click();
		await expect(maria).toHaveURL(/\/portal\/messages\/[0-9a-f-]{36}\?patient=/);
		await waitForHydration(maria);

		const chenUnreadBefore = await unreadMessagesInNavigation(chen);
		const photo = randomPixelsPng();
		await maria.getByLabel('Attach a file').setInputFiles({ name: 'rash.png', mimeType: 'image/png', buffer: photo });
		await expect(maria.getByText('rash.png (')).toBeVisible();
		await send(maria, `Here is the rash on my arm ${photoNote}`);
		const mariaMessage = messageWith(maria, photoNote);
		await expect(mariaMessage.getByRole('img', { name: 'Attached image: rash.png' })).toBeVisible({ timeout: 20_000 });
		await checkPage(maria, 'portal conversation with a photo');

		// ── Dr. Chen is told (count), opens it, and the photo decrypts ──
		await expect.poll(() => unreadMessagesInNavigation(chen), { timeout: 10_000 }).toBe(chenUnreadBefore + 1);
		await chen.goto('/messages');
		await waitForHydration(chen);
		await openConversation(chen, /Patient messages · Maria Garcia \(1 unread\)/);
		const received = messageWith(chen, photoNote);
		await expect(received).toBeVisible();
		const image = received.getByRole('img', { name: 'Attached image: rash.png' });
		await expect(image).toBeVisible({ timeout: 20_000 });
		await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);
		// Maria sees "Read" within a second of the doctor seeing it.
		await expect(mariaMessage.getByTestId('receipt')).toContainText('Read', { timeout: 1_000 });
		await expect.poll(() => unreadMessagesInNavigation(chen)).toBe(chenUnreadBefore);

		// The members panel: safety numbers and "Verify".
		await chen.getByRole('button', { name: 'People and safety numbers' }).click();
		const people = chen.getByRole('complementary', { name: 'People in this conversation' });
		await people.getByRole('button', { name: 'Show safety number with Maria Garcia' }).click();
		await expect(people.getByRole('group', { name: 'Safety number with Maria Garcia' })).toContainText(/(\d{5}\s+){11}\d{5}/);
		await people.getByRole('button', { name: 'Verify Maria Garcia' }).click();
		await expect(people.getByText('· Verified')).toBeVisible();
		await checkPage(chen, 'members panel');

		// ── search, in the browser, reached from the messages page as a clinician does ──
		// (in the same page: a reload within two seconds of reading a message can find the index
		// saved without it, see chat-client's pagehide save)
		await chen.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Messages/ }).click();
		await expect(chen).toHaveURL(/\/messages$/);
		await chen.getByRole('link', { name: 'Search messages' }).click();
		await expect(chen).toHaveURL(/\/messages\/search$/);
		await waitForHydration(chen);
		await chen.getByLabel('Words').fill(photoNote);
		await chen.getByRole('button', { name: 'Search', exact: true }).click();
		await expect(chen.getByRole('status').filter({ hasText: '1 message found.' })).toBeVisible();
		await expect(chen.getByRole('listitem').filter({ hasText: photoNote }).getByRole('link', { name: /Patient messages · Maria Garcia/ })).toBeVisible();
		await chen.getByLabel('Words').fill(staffChat);
		await chen.getByRole('button', { name: 'Search', exact: true }).click();
		await expect(chen.getByRole('listitem').filter({ hasText: staffChat })).toBeVisible();
		await checkPage(chen, 'message search with results');
	} finally {
		await Promise.all(contexts.map((context) => context.close()));
	}
});

test('on a new device a wrong passphrase changes nothing; the right one reads the old messages', async ({ browser }) => {
	test.setTimeout(180_000);
	const context = await browser.newContext();
	try {
		const chen = await context.newPage();
		await signIn(chen, demoAccounts.physician);
		await chen.goto('/messages');
		await waitForHydration(chen);
		await expect(chen.getByRole('heading', { name: 'Unlock secure messaging on this device' })).toBeVisible({ timeout: 20_000 });
		await checkPage(chen, 'unlock on a new device');

		await chen.getByLabel('Recovery passphrase', { exact: true }).fill('not my passphrase at all');
		await chen.getByRole('button', { name: 'Unlock messages' }).click();
		await expect(chen.getByRole('alert')).toHaveText('That passphrase does not unlock your key backup.', { timeout: 30_000 });
		await expect(chen.getByRole('heading', { name: 'Unlock secure messaging on this device' })).toBeVisible();
		await checkPage(chen, 'unlock after a wrong passphrase');

		await chen.getByLabel('Recovery passphrase', { exact: true }).fill(chenPassphrase);
		await chen.getByRole('button', { name: 'Unlock messages' }).click();
		await expect(chen.getByRole('button', { name: 'New conversation' })).toBeVisible({ timeout: 30_000 });
		await openConversation(chen, /Priya Patel, RN/);
		await expect(chen.getByRole('article', { name: 'You' }).filter({ hasText: staffChat })).toBeVisible({ timeout: 20_000 });
		await expect(messageWith(chen, 'On it, done by noon')).toBeVisible();
		await chen.goto('/messages');
		await waitForHydration(chen);
		await openConversation(chen, /Patient messages · Maria Garcia/);
		await expect(messageWith(chen, photoNote).getByRole('img', { name: 'Attached image: rash.png' })).toBeVisible({ timeout: 20_000 });

		// A message sent by mistake is deleted for everyone.
		const mistake = randomMarker('wrong-patient');
		await send(chen, `Ignore this ${mistake}`);
		await messageWith(chen, mistake).getByRole('button', { name: 'Delete for everyone' }).click();
		await chen.getByRole('group', { name: 'Delete this message for everyone?' }).getByRole('button', { name: 'Delete' }).click();
		await expect(chen.getByText(mistake)).toHaveCount(0);
		await expect(chen.getByText('This message was deleted for everyone.')).toBeVisible();
	} finally {
		await context.close();
	}
});

test('a device already in use approves a new one after the codes on both screens match', async ({ browser }) => {
	test.setTimeout(180_000);
	const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
	try {
		// Nurse Patel unlocks one browser with her passphrase…
		const inUse = await contexts[0]!.newPage();
		await signIn(inUse, demoAccounts.nurse);
		await inUse.goto('/account/secure-messaging');
		await waitForHydration(inUse);
		await inUse.getByLabel('Recovery passphrase', { exact: true }).fill(patelPassphrase);
		await inUse.getByRole('button', { name: 'Unlock messages' }).click();
		await expect(inUse.getByRole('heading', { name: 'Your devices' })).toBeVisible({ timeout: 30_000 });

		// …and on another asks for approval instead of typing it.
		const fresh = await contexts[1]!.newPage();
		await signIn(fresh, demoAccounts.nurse);
		await fresh.goto('/messages');
		await waitForHydration(fresh);
		await fresh.getByRole('button', { name: 'Ask another device to approve this one' }).click();
		await expect(fresh.getByRole('heading', { name: 'Waiting for approval' })).toBeVisible({ timeout: 20_000 });
		const code = fresh.getByTestId('waiting-code');
		await expect(code).toHaveText(/^(\d{5} ){5}\d{5}$/);
		await checkPage(fresh, 'waiting for approval');

		// The device in use is told, shows the same code, and approves.
		await expect(inUse.getByRole('heading', { name: 'Devices waiting for your approval' })).toBeVisible({ timeout: 20_000 });
		await expect(inUse.getByTestId('approval-code')).toHaveText((await code.textContent()) ?? '');
		await checkPage(inUse, 'device approval');
		await inUse.getByRole('button', { name: /^The codes match: approve/ }).click();
		await expect(inUse.getByText(/is approved and can read your messages/)).toBeVisible();

		// The new device continues by itself and reads the earlier conversation.
		await expect(fresh.getByRole('button', { name: 'New conversation' })).toBeVisible({ timeout: 30_000 });
		await openConversation(fresh, /Dr\. Emily Chen/);
		await expect(fresh.getByRole('article', { name: 'Dr. Emily Chen' }).filter({ hasText: staffChat })).toBeVisible({ timeout: 20_000 });
	} finally {
		await Promise.all(contexts.map((context) => context.close()));
	}
});

test('an administrator sets up the compliance key, sets the retention period and decrypts an export for review', async ({ page }) => {
	test.setTimeout(240_000);
	await signIn(page, demoAccounts.admin);
	await page.goto('/admin/messaging');
	await waitForHydration(page);
	await expect(page.getByRole('heading', { level: 1, name: 'Secure messaging' })).toBeVisible();
	await expect(page.getByRole('table')).toContainText('Dr. Emily Chen');
	await checkPage(page, 'messaging administration');

	// The private key is downloaded before the public key can be sent.
	await page.getByRole('button', { name: /Create a compliance key|Replace the compliance key/ }).click();
	await expect(page.getByRole('button', { name: 'Start using this key' })).toBeDisabled();
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Download private key file' }).click();
	const keyPath = await (await download).path();
	const keyFile = JSON.parse(await readFile(keyPath, 'utf8'));
	expect(keyFile).toMatchObject({ kind: 'clinicsync-compliance-key', publicKey: expect.any(String), secretKey: expect.any(String) });
	await page.getByLabel(/I have stored the file safely/).check();
	await page.getByRole('button', { name: 'Start using this key' }).click();
	await expect(page.getByText('The compliance key is set.')).toBeVisible();

	// Retention: bad input is refused in words and nothing is saved; then a period is saved.
	await page.getByLabel('For a number of days, then delete them').check();
	await page.getByLabel('Days to keep').fill('3');
	await page.getByRole('button', { name: 'Save retention period' }).click();
	await expect(page.getByText('Enter a whole number of days from 30 to 36500.')).toBeVisible();
	await page.getByLabel('Days to keep').fill('3650');
	await page.getByRole('button', { name: 'Save retention period' }).click();
	await expect(page.getByText('Retention period saved.')).toBeVisible();
	await expect(page.getByLabel('Days to keep')).toHaveValue('3650');
	await checkPage(page, 'messaging administration after saving');

	// A conversation started after the key was set can be exported for review, decrypted here.
	const forReview = randomMarker('for-review');
	await setUpSecureMessaging(page, '/account/secure-messaging', 'admin review passphrase 2026');
	await page.goto('/messages');
	await waitForHydration(page);
	await page.getByRole('button', { name: 'New conversation' }).click();
	const dialog = page.getByRole('dialog', { name: 'New conversation' });
	await dialog.getByLabel('Find people').fill('Chen');
	await dialog.getByRole('radio', { name: /Emily Chen/ }).check();
	await dialog.getByRole('button', { name: 'Start conversation' }).click();
	await expect(page).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
	const conversationId = new URL(page.url()).pathname.split('/').at(-1)!;
	await waitForHydration(page);
	await send(page, `Audit sample ${forReview}`);
	await expect(messageWith(page, forReview)).toBeVisible();

	await page.goto('/admin/messaging');
	await waitForHydration(page);
	await page.getByLabel('Compliance key file').setInputFiles(keyPath);
	await page.getByLabel('Conversation', { exact: true }).selectOption(conversationId);
	await page.getByRole('button', { name: 'Decrypt export' }).click();
	const transcript = page.getByRole('region', { name: 'Decrypted transcript' });
	await expect(transcript).toContainText(`Audit sample ${forReview}`, { timeout: 20_000 });
	await checkPage(page, 'compliance export transcript');
	const saved = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Download transcript' }).click();
	expect(await readFile(await (await saved).path(), 'utf8')).toContain(`Audit sample ${forReview}`);
});

async function expectDialogAccessible(page: Page): Promise<void> {
	await checkPage(page, 'new conversation dialog');
	await page.setViewportSize({ width: 1280, height: 900 });
}
