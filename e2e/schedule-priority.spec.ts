import { expect, test, type Locator, type Page } from '@playwright/test';
import { checkPage, demoAccounts, signIn, waitForHydration } from './support';

/**
 * The front desk works the prioritisation queue: adds two requests, drags the second above the
 * first, finds the order kept after a reload, opens one in the side panel (full screen on a
 * phone) and moves it back with the keyboard-reachable buttons. Then the capacity dashboard
 * shows the day's numbers and takes a clinic threshold.
 */

async function addRequest(page: Page, patient: string, fullName: string, reason: string): Promise<void> {
	await page.getByLabel('Find the patient').fill(patient);
	await page.getByRole('button', { name: 'Find', exact: true }).click();
	await page.getByRole('radio', { name: new RegExp(fullName) }).first().check();
	await page.getByRole('radio', { name: 'Routine' }).check();
	await page.getByLabel('Reason').fill(reason);
	await page.getByRole('button', { name: 'Add to the queue' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'The request is in the queue.' })).toBeVisible();
}

const routineRows = (page: Page): Locator => page.locator('ol[data-urgency="routine"] > li');
const routineOrder = (page: Page): Promise<string[]> => routineRows(page).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-request-id') ?? ''));

test('the front desk prioritises requests by drag and drop and reads the capacity dashboard', async ({ page }) => {
	await page.setViewportSize({ width: 1280, height: 900 });
	await signIn(page, demoAccounts.frontDesk);
	await page.goto('/schedule/requests');
	await waitForHydration(page);
	await expect(page.getByRole('heading', { level: 1, name: 'Scheduling requests' })).toBeVisible();

	await page.getByRole('link', { name: 'New request' }).click();
	await expect(page.getByRole('heading', { name: 'New request' })).toBeVisible();
	await addRequest(page, 'Garcia', 'Maria Garcia', 'Follow-up of blood pressure');
	const afterFirst = await routineOrder(page);
	const first = afterFirst[afterFirst.length - 1]!;
	await addRequest(page, 'Brooks', 'Walter Brooks', 'Medication review');
	await expect(routineRows(page)).toHaveCount(afterFirst.length + 1);
	const before = await routineOrder(page);
	const second = before[before.length - 1]!;
	expect(before.slice(-2)).toEqual([first, second]);
	await expect(page.locator(`li[data-request-id="${second}"]`)).toContainText('Walter Brooks');

	// Drag the second request above the first (onto the top half of its row).
	const firstRow = page.locator(`li[data-request-id="${first}"]`);
	const secondRow = page.locator(`li[data-request-id="${second}"]`);
	await secondRow.dragTo(firstRow, { targetPosition: { x: 40, y: 4 } });
	await expect(page.getByText(/Walter Brooks moved to place \d+ of \d+ among routine requests\. The new order is saved\./)).toBeAttached();
	const moved = await routineOrder(page);
	expect(moved.indexOf(second)).toBe(moved.indexOf(first) - 1);

	await page.reload();
	await waitForHydration(page);
	expect(await routineOrder(page)).toEqual(moved);

	// The side panel: details and actions.
	await firstRow.getByRole('link', { name: 'Maria Garcia' }).click();
	const panel = page.getByTestId('request-panel');
	await expect(panel.getByRole('heading', { name: 'Maria Garcia' })).toBeVisible();
	await expect(panel).toContainText('Follow-up of blood pressure');
	await expect(panel.getByRole('button', { name: 'Book the earliest time within capacity' })).toBeVisible();
	await expect(panel.getByRole('link', { name: 'Pick a time' })).toBeVisible();
	await checkPage(page, 'request queue with the side panel');
	await page.setViewportSize({ width: 1280, height: 900 });

	// Keyboard-reachable reordering: Move down puts Walter Brooks back after Maria Garcia.
	await secondRow.getByRole('button', { name: /^Move down\s*: Walter Brooks$/ }).click();
	await expect(page.getByText(/Walter Brooks moved to place \d+ of \d+ among routine requests\. The new order is saved\./)).toBeAttached();
	await expect.poll(async () => (await routineOrder(page)).slice(-2)).toEqual([first, second]);

	// A colleague adds a request in another tab: this queue shows it without a reload.
	const colleague = await page.context().newPage();
	await colleague.goto('/schedule/requests?new=1');
	await waitForHydration(colleague);
	await addRequest(colleague, 'Johnson', 'Mia Johnson', 'Vaccination catch-up');
	await colleague.close();
	await expect(routineRows(page)).toHaveCount(before.length + 1);
	await expect(routineRows(page).last()).toContainText('Mia Johnson');

	// The capacity dashboard: today's numbers per clinic, location and provider; a clinic threshold.
	await page.goto('/schedule/capacity');
	await waitForHydration(page);
	await expect(page.getByRole('heading', { level: 1, name: 'Capacity' })).toBeVisible();
	const clinic = page.locator('[data-scope-key="clinic"]');
	await expect(clinic).toContainText(/\d+ visits? · \d+ booked minutes/);
	await expect(page.getByRole('heading', { name: 'Providers' })).toBeVisible();
	await page.getByLabel('Applies to').selectOption('clinic');
	await page.getByLabel('Most visits').fill('500');
	await page.getByRole('button', { name: 'Save threshold' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'The threshold is saved.' })).toBeVisible();
	await expect(clinic).toContainText(/\d+ of 500 visits/);
	await expect(clinic.getByRole('meter')).toHaveAttribute('aria-valuetext', /%, Within limit|%, Nearly full|%, Full/);
	await checkPage(page, 'capacity dashboard');
	// A bad number is refused in words, nothing saved.
	await page.getByLabel('Most visits').fill('-3');
	await page.getByRole('button', { name: 'Save threshold' }).click();
	await expect(page.getByText('The number of visits cannot be negative.')).toBeVisible();
});
