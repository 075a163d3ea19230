import { expect, test } from '@playwright/test';
import { checkPage, demoAccounts, expectAccessible, expectNoHorizontalScroll, signIn, waitForHydration } from './support';

/**
 * A clinic administrator reads the scheduling analytics of the demo clinic's 18 months of
 * history: charts drawn (with their tables for screen readers), the monthly report, and the
 * no-show model trained on demand, its held-out AUC shown in words. A physician is turned away.
 */

test('an administrator reads the scheduling analytics and trains the no-show model', async ({ page }) => {
	await signIn(page, demoAccounts.admin);
	await page.goto('/admin/scheduling/analytics');
	await waitForHydration(page);
	await expect(page.getByRole('heading', { level: 1, name: 'Scheduling analytics' })).toBeVisible();

	// Charts are drawn on canvases inside images named by a summary of their numbers…
	const volumes = page.getByRole('img', { name: /^Appointments per month, \d+ points/ });
	await expect(volumes).toBeVisible();
	await expect(volumes.locator('canvas')).toBeVisible();
	await expect(page.getByRole('img', { name: /^No-show and confirmation rates/ }).locator('canvas')).toBeVisible();
	await expect(page.getByRole('img', { name: /^Attendance with and without reminders/ })).toBeVisible();
	await expect(page.getByRole('img', { name: /^No-show rate by weekday/ })).toBeVisible();
	// …and carry the same numbers as a table.
	await page.getByText('No-show rate by weekday as a table').click();
	const weekdays = page.getByRole('table', { name: 'No-show rate by weekday' });
	await expect(weekdays.getByRole('rowheader', { name: 'Monday' })).toBeVisible();
	await expect(weekdays.getByRole('row').filter({ hasText: 'Monday' })).toContainText('%');

	// The monthly report has a row per month of history, with the busiest provider.
	const report = page.getByRole('table', { name: /^Per month/ });
	await expect(report.getByRole('row')).not.toHaveCount(1);
	expect(await report.getByRole('row').count()).toBeGreaterThan(6);
	await expect(report.getByRole('row').nth(1)).toContainText(/Dr\.|MD|DO|NP|RN/);
	await checkPage(page, 'scheduling analytics');

	// Filters: one provider, by week.
	await page.setViewportSize({ width: 1280, height: 900 });
	await page.getByLabel('Provider', { exact: true }).selectOption({ index: 1 });
	await page.getByLabel('Group by', { exact: true }).selectOption('week');
	await page.getByRole('button', { name: 'Show' }).click();
	await expect(page).toHaveURL(/by=week/);
	await expect(page.getByRole('img', { name: /^Appointments per week/ })).toBeVisible();

	// Train the model: progress while it runs, then the AUC on held-out visits in words.
	await page.getByRole('button', { name: /^Train (model|again)$/ }).click();
	await expect(page.getByRole('status').filter({ hasText: /^Model trained: AUC 0\.\d\d on the newest [\d,]+ visits\.$/ })).toBeVisible({ timeout: 30_000 });
	await expect(page.getByText(/^AUC 0\.\d\d on held-out visits$/)).toBeVisible();
	await expect(page.getByText(/it gave the missed one the higher risk \d+ times out of 100/)).toBeVisible();
	await expect(page.getByRole('heading', { name: 'What moves the risk most' })).toBeVisible();
	// The model panel at phone width (the whole page was checked at both widths above).
	await page.setViewportSize({ width: 360, height: 900 });
	await expectAccessible(page, 'scheduling analytics with a trained model (360px)');
	await expectNoHorizontalScroll(page, 'scheduling analytics with a trained model (360px)');
});

test('scheduling analytics are for clinic administrators only', async ({ page }) => {
	await signIn(page, demoAccounts.physician);
	const response = await page.goto('/admin/scheduling/analytics');
	expect(response?.status()).toBe(403);
	await expect(page.getByText('Scheduling analytics are for clinic administrators.')).toBeVisible();
});
