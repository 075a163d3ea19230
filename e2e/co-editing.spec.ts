import { expect, test, type Page, type WebSocket } from '@playwright/test';
import { checkPage, demoAccounts, signIn, signOut, waitForHydration } from './support';

/**
 * Two clinicians of Maria Garcia's care team — Dr. Chen and Nurse Patel, each in their own
 * browser — co-edit her live chart: an allergy one adds appears for the other within a second,
 * and so does an edit back; each sees who else is there and what they are editing; the nurse
 * loses her connection, edits on, sees how many changes wait, and they arrive when she is back;
 * Dr. Chen restores the chart as it was before the allergy, and both see it gone.
 */

const live = { timeout: 1_000 };

async function openLiveChart(page: Page): Promise<string> {
	await page.goto(`/patients?q=${encodeURIComponent('Maria Garcia')}`);
	await page.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ }).first().click();
	await expect(page).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
	await page.getByRole('link', { name: 'Open live chart' }).click();
	await expect(page).toHaveURL(/\/patients\/[0-9a-f-]{36}\/chart$/);
	await waitForHydration(page);
	await expect(page.getByRole('heading', { name: 'Live chart: Maria Garcia' })).toBeVisible();
	return page.url();
}

const saveStatus = (page: Page) => page.locator('p.collab-status');
const allergy = (page: Page, substance: string) => page.getByRole('group', { name: substance, exact: true });

/** Names of the offline copies (IndexedDB) of collaborative documents in this browser. */
const offlineCopies = (page: Page) =>
	page.evaluate(async () => (await indexedDB.databases()).map((database) => database.name ?? '').filter((name) => name.startsWith('clinicsync:')));

test('two clinicians co-edit the allergies live, offline and back, and restore an earlier version', async ({ browser }) => {
	// Two browsers and four accessibility scans of a long page: more than the default 90 s on two cores.
	test.setTimeout(180_000);
	const chenContext = await browser.newContext();
	const patelContext = await browser.newContext();
	const chen = await chenContext.newPage();
	const patel = await patelContext.newPage();

	await signIn(chen, demoAccounts.physician);
	await signIn(patel, demoAccounts.nurse);
	const chartUrl = await openLiveChart(chen);
	await expect(saveStatus(chen)).toHaveText('Saved');
	await expect(allergy(chen, 'Sulfonamide antibiotics')).toBeVisible();

	// The nurse's one websocket, to see it close when she goes offline.
	const patelSocket = patel.waitForEvent('websocket', (socket) => socket.url().endsWith('/collab'));
	await patel.goto(chartUrl);
	await waitForHydration(patel);
	const socket: WebSocket = await patelSocket;
	await expect(saveStatus(patel)).toHaveText('Saved');

	// Presence: each sees the other.
	await expect(chen.getByRole('region', { name: 'Who is here' })).toContainText('Priya Patel, RN');
	await expect(patel.getByRole('region', { name: 'Who is here' })).toContainText('Dr. Emily Chen');

	// Dr. Chen adds an allergy; the nurse sees her editing, then the allergy, within a second.
	const addAllergy = chen.getByRole('form', { name: 'Add an allergy' });
	await addAllergy.getByLabel('Substance').fill('Latex');
	await expect(patel.getByText('Dr. Emily Chen is editing Allergies')).toBeVisible();
	await addAllergy.getByLabel('Reaction').fill('Contact dermatitis');
	await addAllergy.getByLabel('Severity').selectOption('severe');
	await addAllergy.getByRole('button', { name: 'Add allergy' }).click();
	await expect(allergy(patel, 'Latex')).toBeVisible(live);
	await expect(allergy(patel, 'Latex').getByLabel('Reaction')).toHaveValue('Contact dermatitis');
	await expect(allergy(patel, 'Latex').getByLabel('Severity')).toHaveValue('severe');

	// The nurse changes the reaction; Dr. Chen sees it within a second.
	const patelReaction = allergy(patel, 'Latex').getByLabel('Reaction');
	await patelReaction.fill('Hives and wheezing');
	await patelReaction.press('Tab');
	const chenReaction = allergy(chen, 'Latex').getByLabel('Reaction');
	await expect(chenReaction).toHaveValue('Hives and wheezing', live);
	await expect(chen.getByText('Priya Patel, RN is editing Allergies')).toBeVisible();
	await expect(saveStatus(patel)).toHaveText('Saved');

	// Offline: Chromium's offline emulation leaves open websockets alone; the page closes its
	// own on the browser's `offline` event, which is what this checks.
	const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
	await patelContext.setOffline(true);
	await socketClosed;
	await expect(saveStatus(patel)).toContainText('Offline');
	await patelReaction.fill('Hives, wheezing; carries an adrenaline pen');
	await patelReaction.press('Tab');
	await expect(saveStatus(patel)).toHaveText('Offline — 1 change not yet synced');
	await expect(chenReaction).toHaveValue('Hives and wheezing');

	await patelContext.setOffline(false);
	await expect(chenReaction).toHaveValue('Hives, wheezing; carries an adrenaline pen');
	await expect(saveStatus(patel)).toHaveText('Saved');

	// History: Dr. Chen views the chart as it was before the allergy, and restores it.
	const history = chen.getByRole('region', { name: 'History', exact: true });
	await history.getByRole('button', { name: 'Show history' }).click();
	const changes = history.getByRole('list', { name: 'Changes' }).getByRole('listitem');
	await expect(changes.filter({ hasText: 'Priya Patel, RN' }).first()).toContainText('Allergies');
	const added = changes.filter({ hasText: 'Dr. Emily Chen' }).last();
	await expect(added).toContainText('Allergies');
	const before = added.locator('xpath=following-sibling::li[1]');
	await before.getByRole('button', { name: /^View/ }).click();
	const version = history.getByRole('region', { name: /^Version of .* \(read only\)$/ });
	await expect(version).toContainText('Sulfonamide antibiotics');
	await expect(version).not.toContainText('Latex');
	await checkPage(chen, 'live chart with the history and an earlier version open');

	await version.getByRole('button', { name: 'Restore this version' }).click();
	await version.getByRole('button', { name: 'Yes, restore this version' }).click();
	await expect(history.getByRole('status').filter({ hasText: /was restored/ })).toBeVisible();
	await expect(allergy(chen, 'Latex')).toHaveCount(0);
	await expect(allergy(patel, 'Latex')).toHaveCount(0);
	await expect(allergy(patel, 'Sulfonamide antibiotics')).toBeVisible();
	await expect(saveStatus(chen)).toHaveText('Saved');

	await checkPage(patel, 'live chart after a restore');

	// The offline copy holds patient data; signing out deletes it from the browser.
	expect(await offlineCopies(patel)).toHaveLength(1);
	await signOut(patel);
	await expect.poll(() => offlineCopies(patel)).toEqual([]);

	await chenContext.close();
	await patelContext.close();
});

test('the clinic administrator reads the live chart without being able to change it', async ({ page }) => {
	await signIn(page, demoAccounts.admin);
	await openLiveChart(page);
	await expect(saveStatus(page)).toHaveText('Read only');
	await expect(allergy(page, 'Sulfonamide antibiotics').getByLabel('Reaction')).toBeDisabled();
	await expect(page.getByRole('form', { name: 'Add an allergy' })).toHaveCount(0);
	await expect(page.getByRole('button', { name: /^Remove allergy/ })).toHaveCount(0);
	await expect(page.getByLabel('Social history')).toHaveAttribute('readonly', '');
});
