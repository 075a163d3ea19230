import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, type Page } from '@playwright/test';

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

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/**
 * No serious or critical axe-core violations on the page as it stands: every rule of the tags
 * above, run by axe.run() in the page. axe-core goes into each document once and stays there
 * across the app's client-side navigations. (@axe-core/playwright sends its 500 KB source again
 * before every check and, by default, finishes each check in a blank page it opens: 1.2–2.7 s a
 * check against 0.04–0.25 s here, which made up half of the whole e2e run.)
 */
export async function expectAccessible(page: Page, context: string): Promise<void> {
	for (const frame of page.frames()) {
		// A cross-origin frame refuses the script; the app embeds none.
		if (!(await frame.evaluate(() => 'axe' in window).catch(() => true))) await frame.evaluate(axeSource);
	}
	const violations = await page.evaluate(async (tags) => {
		const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
		const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
		return results.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
	}, axeTags);
	const blocking = violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.slice(0, 3).join(', ')}`);
	expect(blocking, `axe violations on ${context}`).toEqual([]);
}

/**
 * axe-core and the no-sideways-scrolling check at a phone's width and a desktop's (or the widths
 * given), the check every journey makes on each new page.
 */
export async function checkPage(page: Page, context: string, options: { widths?: readonly number[] } = {}): Promise<void> {
	for (const width of options.widths ?? [360, 1280]) {
		await page.setViewportSize({ width, height: 900 });
		await expectAccessible(page, `${context} (${width} px)`);
		await expectNoHorizontalScroll(page, `${context} (${width} px)`);
	}
}

/** The page fits a 360 px phone: nothing forces sideways scrolling of the whole page. */
export async function expectNoHorizontalScroll(page: Page, context: string): Promise<void> {
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	expect(overflow, `horizontal overflow on ${context}`).toBeLessThanOrEqual(0);
}
