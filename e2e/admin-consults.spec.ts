import { expect, test } from '@playwright/test';
import { checkPage, demoAccounts, expectAccessible, expectNoHorizontalScroll, signIn } from './support';

/**
 * The clinic administrator sets how video consults run: waiting-room and call size, which roles
 * may draw on shared reports, whether recording is offered. Only changes that leave the consult
 * journey working are made (a call of 3 still holds a clinician and a patient), and they are put
 * back. A physician cannot open the page.
 */

test('an administrator changes the consult settings; a wrong number is explained and nothing is saved; a physician is turned away', async ({ page, browser }) => {
	await signIn(page, demoAccounts.admin);
	await page.goto('/admin');
	await page.getByRole('link', { name: 'Video consults' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Video consults' })).toBeVisible();
	const waiting = page.getByLabel('People who can wait in one waiting room');
	const call = page.getByLabel('People in one call, the clinician included');
	const proxy = page.getByRole('checkbox', { name: 'Proxy (parent or caregiver)' });
	const recording = page.getByRole('checkbox', { name: 'Offer recording of consults' });
	const before = { waiting: await waiting.inputValue(), call: await call.inputValue(), proxy: await proxy.isChecked(), recording: await recording.isChecked() };
	await checkPage(page, 'consult settings');

	await call.fill('9');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByRole('alert')).toHaveText('Some settings need attention. The messages are next to them; nothing was saved.');
	await expect(page.getByText('A call has from 2 to 4 people.')).toBeVisible();
	await expect(call).toHaveAttribute('aria-invalid', 'true');
	await page.setViewportSize({ width: 360, height: 900 });
	await expectAccessible(page, 'consult settings with an error (360px)');
	await expectNoHorizontalScroll(page, 'consult settings with an error (360px)');

	try {
		await waiting.fill('12');
		await call.fill('3');
		await proxy.setChecked(!before.proxy);
		await page.getByRole('button', { name: 'Save settings' }).click();
		await expect(page.getByRole('status')).toContainText('Settings saved.');
		await page.reload();
		await expect(waiting).toHaveValue('12');
		await expect(call).toHaveValue('3');
		await expect(proxy).toBeChecked({ checked: !before.proxy });
		await expect(recording).toBeChecked({ checked: before.recording });
	} finally {
		await waiting.fill(before.waiting);
		await call.fill(before.call);
		await proxy.setChecked(before.proxy);
		await page.getByRole('button', { name: 'Save settings' }).click();
		await expect(page.getByRole('status')).toContainText('Settings saved.');
	}

	const physician = await browser.newPage();
	await signIn(physician, demoAccounts.physician);
	const response = await physician.goto('/admin/consults');
	expect(response?.status()).toBe(403);
	await expect(physician.getByText('Only clinic administrators can change video consult settings.')).toBeVisible();
	await physician.close();
});
