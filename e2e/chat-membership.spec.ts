import { expect, test, type Page } from '@playwright/test';
import { checkPage, demoAccounts, signIn, waitForHydration } from './support';
import { randomMarker, setUpSecureMessaging, unreadMessagesInNavigation } from './chat-support';

/**
 * Group membership and mute, end to end through the real UI:
 *  - Dr. Okafor starts a group with Nurse Kim and Jasmine Reyes (front desk) and writes to it.
 *  - Nurse Kim may not remove someone from a group she did not start: the server's sentence shows.
 *  - Dr. Okafor removes Jasmine after a confirmation saying she will not read later messages; the
 *    group leaves Jasmine's list live, and a message sent afterwards never reaches her screen.
 *  - Muting hides the group's unread messages from the navigation count and survives a reload.
 * These accounts are not the ones secure-messaging.spec.ts sets up keys for, so both journeys can
 * run against the same server in either order.
 */

const okaforPassphrase = 'saffron ferry glacier pencil 31';
const kimPassphrase = 'walnut lighthouse canvas drift 8';
const reyesPassphrase = 'maple rocket velvet harbor 55';
const groupName = `Ward round ${randomMarker('group').slice(-6)}`;
const beforeRemoval = randomMarker('before-removal');
const afterRemoval = randomMarker('after-removal');
const whileMuted = randomMarker('while-muted');

const nurseKim = 'nurse.kim@riverside.example';

test.describe.configure({ mode: 'serial' });

async function send(page: Page, text: string): Promise<void> {
	await page.getByRole('textbox', { name: 'Message' }).fill(text);
	await page.getByRole('button', { name: 'Send', exact: true }).click();
	await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');
	await expect(page.getByRole('article').filter({ hasText: text })).toBeVisible();
}

async function openGroup(page: Page): Promise<void> {
	await page.goto('/messages');
	await waitForHydration(page);
	await page.getByRole('list', { name: 'Conversations' }).getByRole('link', { name: new RegExp(groupName) }).click();
	await expect(page).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
	await waitForHydration(page);
	await expect(page.getByRole('heading', { level: 1, name: groupName })).toBeVisible();
}

test('a doctor removes the front desk from a group, who then cannot read later messages; mute persists', async ({ browser }) => {
	test.setTimeout(360_000);
	const contexts = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
	const [okaforContext, kimContext, reyesContext] = contexts;
	try {
		const okafor = await okaforContext!.newPage();
		await signIn(okafor, demoAccounts.otherPhysician);
		await setUpSecureMessaging(okafor, '/account/secure-messaging', okaforPassphrase);
		const kim = await kimContext!.newPage();
		await signIn(kim, nurseKim);
		await setUpSecureMessaging(kim, '/account/secure-messaging', kimPassphrase);
		const reyes = await reyesContext!.newPage();
		await signIn(reyes, demoAccounts.frontDesk);
		await setUpSecureMessaging(reyes, '/account/secure-messaging', reyesPassphrase);

		// ── Dr. Okafor starts the group and writes to it ──
		await okafor.goto('/messages');
		await waitForHydration(okafor);
		await okafor.getByRole('button', { name: 'New conversation' }).click();
		const dialog = okafor.getByRole('dialog', { name: 'New conversation' });
		await dialog.getByRole('radio', { name: 'Group' }).check();
		await dialog.getByLabel('Group name').fill(groupName);
		await dialog.getByLabel('Find people').fill('Kim');
		await dialog.getByRole('checkbox', { name: /Daniel Kim/ }).check();
		await dialog.getByLabel('Find people').fill('Reyes');
		await dialog.getByRole('checkbox', { name: /Jasmine Reyes/ }).check();
		await expect(dialog.getByText('Chosen: Daniel Kim, NP, Jasmine Reyes')).toBeVisible();
		await dialog.getByRole('button', { name: 'Start conversation' }).click();
		await expect(okafor.getByRole('heading', { level: 1, name: groupName })).toBeVisible();
		await expect(okafor.getByText('Group · 3 people')).toBeVisible();
		await send(okafor, beforeRemoval);

		await openGroup(reyes);
		await expect(reyes.getByRole('article').filter({ hasText: beforeRemoval })).toBeVisible({ timeout: 20_000 });

		// ── only the person who started the group removes others: Nurse Kim is refused in plain words ──
		await openGroup(kim);
		await kim.getByRole('button', { name: 'People and safety numbers' }).click();
		const kimPeople = kim.getByRole('complementary', { name: 'People in this conversation' });
		await kimPeople.getByRole('button', { name: 'Remove Jasmine Reyes' }).click();
		await kimPeople.getByRole('button', { name: 'Remove Jasmine Reyes' }).click();
		await expect(kimPeople.getByText('Only the person who started the group can remove others.')).toBeVisible();
		await expect(kim.getByText('Group · 3 people')).toBeVisible();

		// ── Dr. Okafor removes Jasmine, after a confirmation that says what it means ──
		await reyes.goto('/messages');
		await waitForHydration(reyes);
		const reyesList = reyes.getByRole('list', { name: 'Conversations' });
		await expect(reyesList.getByRole('link', { name: new RegExp(groupName) })).toBeVisible();

		await okafor.getByRole('button', { name: 'People and safety numbers' }).click();
		const people = okafor.getByRole('complementary', { name: 'People in this conversation' });
		await expect(people.getByRole('button', { name: 'Leave group' })).toBeVisible();
		await people.getByRole('button', { name: 'Remove Jasmine Reyes' }).click();
		const confirmation = people.getByRole('group', { name: /Remove Jasmine Reyes from/ });
		await expect(confirmation).toContainText('Jasmine Reyes will not be able to read messages sent in this group after this.');
		await checkPage(okafor, 'remove confirmation');
		// Cancel leaves everything as it was; the keyboard reaches the confirmation's buttons.
		await confirmation.getByRole('button', { name: 'Cancel' }).click();
		await expect(confirmation).toBeHidden();
		await people.getByRole('button', { name: 'Remove Jasmine Reyes' }).focus();
		await okafor.keyboard.press('Enter');
		await confirmation.getByRole('button', { name: 'Remove Jasmine Reyes' }).click();
		await expect(people.getByText('Jasmine Reyes was removed from the group.')).toBeVisible();
		await expect(okafor.getByText('Group · 2 people')).toBeVisible();
		await expect(people.getByRole('button', { name: 'Remove Jasmine Reyes' })).toHaveCount(0);

		// Jasmine's list drops the group live, without a reload.
		await expect(reyesList.getByRole('link', { name: new RegExp(groupName) })).toHaveCount(0);

		// A message sent after the removal reaches Nurse Kim but never Jasmine.
		await send(okafor, afterRemoval);
		await expect(kim.getByRole('article').filter({ hasText: afterRemoval })).toBeVisible({ timeout: 20_000 });
		await reyes.reload();
		await waitForHydration(reyes);
		await expect(reyes.getByRole('heading', { level: 1, name: 'Messages' })).toBeVisible();
		await expect(reyesList.getByRole('link', { name: new RegExp(groupName) })).toHaveCount(0);
		await reyes.goto(okafor.url().replace(/^https?:\/\/[^/]+/, ''));
		await waitForHydration(reyes);
		await expect(reyes.getByRole('alert').first()).toBeVisible({ timeout: 20_000 });
		await expect(reyes.getByText(afterRemoval)).toHaveCount(0);

		// ── Adding someone back: the "Add people" search of the members panel ──
		await people.getByLabel('Find people to add').fill('Reyes');
		await people.getByRole('button', { name: 'Search' }).click();
		await expect(people.getByText('1 person found.')).toBeVisible();
		await checkPage(okafor, 'members panel with people to add');

		// ── mute: unread messages of a muted group stay out of the navigation count, after a reload too ──
		const mute = okafor.getByRole('checkbox', { name: 'Mute this conversation' });
		await expect(mute).not.toBeChecked();
		await mute.check();
		await expect(okafor.getByText('Muted. New messages here will not notify you or count as unread in the menu.')).toBeVisible();
		await okafor.reload();
		await waitForHydration(okafor);
		await expect(okafor.getByRole('checkbox', { name: 'Mute this conversation' })).toBeChecked({ timeout: 20_000 });

		await okafor.goto('/messages');
		await waitForHydration(okafor);
		const okaforGroupLink = okafor.getByRole('list', { name: 'Conversations' }).getByRole('link', { name: new RegExp(groupName) });
		await expect(okaforGroupLink).toContainText('Muted');
		await send(kim, whileMuted);
		await expect(okaforGroupLink).toHaveAccessibleName(new RegExp(`${groupName} \\(1 unread\\)`), { timeout: 20_000 });
		expect(await unreadMessagesInNavigation(okafor)).toBe(0);

		await okaforGroupLink.click();
		await waitForHydration(okafor);
		const muteAgain = okafor.getByRole('checkbox', { name: 'Mute this conversation' });
		await expect(muteAgain).toBeChecked();
		await muteAgain.uncheck();
		await expect(okafor.getByText('Notifications for this conversation are on again.')).toBeVisible();
		await okafor.reload();
		await waitForHydration(okafor);
		await expect(okafor.getByRole('heading', { level: 1, name: groupName })).toBeVisible();
		await expect(okafor.getByRole('checkbox', { name: 'Mute this conversation' })).not.toBeChecked();

		// ── Nurse Kim leaves: she lands on her list, which no longer has the group ──
		await kimPeople.getByRole('button', { name: 'Leave group' }).click();
		const leave = kimPeople.getByRole('group', { name: /^Leave/ });
		await expect(leave).toContainText('You will not be able to read messages sent in this group after you leave.');
		await leave.getByRole('button', { name: 'Leave the group' }).click();
		await expect(kim).toHaveURL(/\/messages$/);
		await expect(kim.getByRole('heading', { level: 1, name: 'Messages' })).toBeVisible();
		await expect(kim.getByRole('link', { name: new RegExp(groupName) })).toHaveCount(0);
		await expect(okafor.getByText('Group · 1 person')).toBeVisible();
	} finally {
		await Promise.all(contexts.map((context) => context.close()));
	}
});

test('a forgotten passphrase can be reset on a new device, after the consequences are confirmed', async ({ browser }) => {
	test.setTimeout(180_000);
	const context = await browser.newContext();
	try {
		// Dr. Okafor set up her keys in the journey above; this browser has none, so it asks to unlock.
		const page = await context.newPage();
		await signIn(page, demoAccounts.otherPhysician);
		await page.goto('/account/secure-messaging');
		await waitForHydration(page);
		await expect(page.getByRole('heading', { name: 'Unlock secure messaging on this device' })).toBeVisible({ timeout: 20_000 });
		await page.getByRole('button', { name: 'Reset my secure messaging keys' }).click();
		await expect(page.getByText('messages sent to you before the reset cannot be read on this device or any new device;')).toBeVisible();
		await expect(page.getByText('will see a warning that your security key changed')).toBeVisible();
		await checkPage(page, 'forgotten passphrase reset');

		const newPassphrase = 'turnip orbit ledger cobalt 64';
		await page.getByLabel('New recovery passphrase').fill('too short');
		await page.getByLabel('Type the new passphrase again').fill('different one');
		await page.getByRole('button', { name: 'Reset and create new keys' }).click();
		await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
		await expect(page.getByText('The two passphrases are not the same.')).toBeVisible();
		await expect(page.getByText('Confirm that you understand what resetting does.')).toBeVisible();

		await page.getByLabel('New recovery passphrase').fill(newPassphrase);
		await page.getByLabel('Type the new passphrase again').fill(newPassphrase);
		await page.getByRole('checkbox', { name: /I understand that my earlier messages cannot be read/ }).check();
		await page.getByRole('button', { name: 'Reset and create new keys' }).click();
		await expect(page.getByRole('heading', { name: 'Unlock secure messaging on this device' })).toBeHidden({ timeout: 30_000 });
		await expect(page.getByRole('heading', { name: 'Your devices' })).toBeVisible();
	} finally {
		await context.close();
	}
});
