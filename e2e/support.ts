import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export const demoPassword = 'demo-password-2026';
export const demoAccounts = {
	physician: 'dr.chen@riverside.example',
	otherPhysician: 'dr.okafor@riverside.example',
	nurse: 'nurse.patel@riverside.example',
	frontDesk: 'frontdesk@riverside.example',
	billing: 'billing@riverside.example',
	admin: 'admin@riverside.example',
	patient: 'maria.garcia@example.com',
	parentProxy: 'sarah.johnson@example.com',
	caregiverProxy: 'linda.brooks@example.com'
} as const;

export async function signIn(page: Page, email: string, password = demoPassword): Promise<void> {
	await page.goto('/sign-in');
	await waitForHydration(page);
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).not.toHaveURL(/\/sign-in/);
}

/** Waits until the page's scripts have taken over (app/routes/+layout.svelte marks <html>). */
export async function waitForHydration(page: Page): Promise<void> {
	await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached' });
}

export async function signOut(page: Page): Promise<void> {
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/sign-in/);
}

/** No serious or critical axe-core violations on the page as it stands. */
export async function expectAccessible(page: Page, context: string): Promise<void> {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
	const blocking = results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
	expect(blocking, `axe violations on ${context}`).toEqual([]);
}

/** The page fits a 360 px phone: nothing forces sideways scrolling of the whole page. */
export async function expectNoHorizontalScroll(page: Page, context: string): Promise<void> {
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	expect(overflow, `horizontal overflow on ${context}`).toBeLessThanOrEqual(0);
}
