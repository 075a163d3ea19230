import { expect, test, type Page } from '@playwright/test';
import { demoAccounts, expectAccessible, expectNoHorizontalScroll, signIn, signOut, waitForHydration } from './support';

/**
 * Each role's everyday pages: what they show, that they pass axe-core, and that they fit
 * from a 360 px phone to a desktop.
 */
const viewports = [
	{ name: 'phone', width: 360, height: 740 },
	{ name: 'desktop', width: 1280, height: 900 }
];

async function checkPage(page: Page, context: string): Promise<void> {
	for (const viewport of viewports) {
		await page.setViewportSize({ width: viewport.width, height: viewport.height });
		await expectAccessible(page, `${context} (${viewport.name})`);
		await expectNoHorizontalScroll(page, `${context} (${viewport.name})`);
	}
}

async function openPatient(page: Page, search: string, name: RegExp): Promise<void> {
	await page.goto(`/patients?q=${encodeURIComponent(search)}`);
	await page.getByRole('link', { name }).first().click();
	await expect(page).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
}

test('sign-in page and error page are accessible', async ({ page }) => {
	await page.goto('/sign-in');
	await waitForHydration(page);
	await checkPage(page, 'sign-in');
	await page.getByLabel('Email').fill('nobody@riverside.example');
	await page.getByLabel('Password').fill('wrong password');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');
	await checkPage(page, 'sign-in with error');
	await page.goto('/no-such-page');
	await checkPage(page, 'not found');
});

test('a physician searches by name and MRN, pages through results and opens a chart', async ({ page }) => {
	await signIn(page, demoAccounts.physician);
	await expect(page).toHaveURL(/\/patients/);
	await checkPage(page, 'patient list');

	// With no search text, everyone is listed alphabetically, 25 to a page.
	await page.getByRole('link', { name: 'Next' }).first().click();
	await expect(page).toHaveURL(/page=2/);
	await expect(page.getByRole('link', { name: 'Previous' }).first()).toBeVisible();

	await page.getByLabel('Search patients').fill('Garcia');
	await page.getByLabel('Search patients').press('Enter');
	await expect(page.getByRole('link', { name: /Garcia/ }).first()).toBeVisible();
	await checkPage(page, 'search results');

	await openPatient(page, 'Maria Garcia', /Garcia, Maria|Maria Garcia/);
	await expect(page.getByRole('heading', { name: /medications/i })).toBeVisible();
	await expect(page.getByRole('heading', { name: /lab results/i })).toBeVisible();
	await checkPage(page, 'chart of a care-team patient');

	// The chart header gives her MRN; searching by it, or by a prefix of it, finds her again.
	const mrn = (await page.locator('dt', { hasText: 'MRN' }).locator('xpath=following-sibling::dd').innerText()).trim();
	expect(mrn).toMatch(/^\d{8}$/);
	await page.goto(`/patients?q=${mrn}`);
	await expect(page.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ })).toBeVisible();
	await page.goto(`/patients?q=MRN ${mrn.slice(0, 7)}`);
	await expect(page.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ })).toBeVisible();
	await signOut(page);
});

test('a physician outside the care team sees demographics only', async ({ page }) => {
	await signIn(page, demoAccounts.otherPhysician);
	await openPatient(page, 'Maria Garcia', /Garcia, Maria|Maria Garcia/);
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Maria');
	await expect(page.getByRole('heading', { name: /medications/i })).toHaveCount(0);
	await expect(page.getByText(/care team/i).first()).toBeVisible();
	await checkPage(page, 'chart outside the care team');
});

test('front desk sees demographics, not clinical details', async ({ page }) => {
	await signIn(page, demoAccounts.frontDesk);
	await openPatient(page, 'Maria Garcia', /Garcia, Maria|Maria Garcia/);
	await expect(page.getByRole('heading', { name: /Allergies/ })).toHaveCount(0);
	await expect(page.getByRole('heading', { name: /medications/i })).toHaveCount(0);
	await checkPage(page, 'front desk view');
});

test('a patient sees their own record in the portal, and is kept out of the staff workspace', async ({ page }) => {
	await signIn(page, demoAccounts.patient);
	await expect(page).toHaveURL(/\/portal/);
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Maria');
	await checkPage(page, 'patient portal');
	await page.goto('/patients');
	await expect(page).toHaveURL(/\/portal/);
});

test('a parent acts for their child in the portal', async ({ page }) => {
	await signIn(page, demoAccounts.parentProxy);
	await expect(page).toHaveURL(/\/portal/);
	await expect(page.getByText(/Mia/).first()).toBeVisible();
	await checkPage(page, 'proxy portal');
});
