import { expect, test } from '@playwright/test';
import { demoAccounts, expectAccessible, signIn } from './support';

/**
 * The journey of a clinic's first day: an empty installation shows the setup page, the demo
 * clinic is loaded, a clinician signs in, searches for a patient and opens the chart.
 */
test('a fresh installation: setup page → demo clinic → clinician signs in, searches and opens a patient', async ({ page }) => {
	await page.goto('/');
	await expect(page).toHaveURL(/\/setup$/);
	await expect(page.getByRole('heading', { name: 'Welcome to ClinicSync' })).toBeVisible();
	await expectAccessible(page, 'setup page');

	// Setting up with bad input explains each field and creates nothing.
	await page.getByRole('button', { name: 'Create clinic' }).click();
	await expect(page.getByText('Enter the clinic name.')).toBeVisible();
	await expect(page.getByText('Use at least 12 characters.')).toBeVisible();
	await expectAccessible(page, 'setup page with errors');

	await page.getByRole('button', { name: 'Load demo clinic' }).click();
	await expect(page.getByRole('status')).toContainText(/Sign in with one of the demo accounts/, { timeout: 60_000 });
	await expect(page).toHaveURL(/\/sign-in/);

	// The setup page is closed once a clinic exists.
	await page.goto('/setup');
	await expect(page).toHaveURL(/\/sign-in/);

	await signIn(page, demoAccounts.physician);
	await expect(page).toHaveURL(/\/patients/);

	await page.getByLabel('Search patients').fill('Garcia');
	await page.getByLabel('Search patients').press('Enter');
	const result = page.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ });
	await expect(result).toBeVisible();
	await result.click();

	await expect(page).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Maria');
	await expect(page.getByRole('heading', { name: /Allergies/ })).toBeVisible();
	await expect(page.getByRole('heading', { name: /Problem list/ })).toBeVisible();
	await expect(page.getByRole('heading', { name: /medications/i })).toBeVisible();
	await expect(page.getByRole('img', { name: /blood pressure/i })).toBeVisible();
	await expectAccessible(page, 'patient overview');
});
