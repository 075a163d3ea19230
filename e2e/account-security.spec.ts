import { expect, test } from '@playwright/test';
import { generateTOTP } from '@oslojs/otp';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { checkPage, demoAccounts, demoPassword, signIn, waitForHydration } from './support';

/**
 * A person turns on two-step sign-in with an authenticator app on their account page, signs
 * out, and signs in again with a code from the app. The billing account is used because no
 * other journey depends on how it signs in; the app is turned off again at the end.
 */

/** What an authenticator app shows for the key; `stepsAhead` 1 is the next 30-second code. */
function appCode(secret: string, stepsAhead = 0): string {
	const key = decodeBase32IgnorePadding(secret.replace(/\s+/g, ''));
	const realNow = Date.now;
	Date.now = () => realNow() + stepsAhead * 30_000;
	try {
		return generateTOTP(key, 30, 6);
	} finally {
		Date.now = realNow;
	}
}

test('turn on an authenticator app, sign out, sign in again with a code from it', async ({ page }) => {
	await signIn(page, demoAccounts.billing);
	await page.goto('/account');
	await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
	await expect(page.getByRole('cell', { name: /This device/ }).or(page.getByRole('rowheader', { name: /This device/ }))).toBeVisible();
	await checkPage(page, 'account page');

	// Starting needs the password; a wrong one is explained.
	await page.getByLabel('Your password').fill('not my password');
	await page.getByRole('button', { name: 'Set up authenticator app' }).click();
	await expect(page.getByText('That is not your password.')).toBeVisible();
	await page.getByLabel('Your password').fill(demoPassword);
	await page.getByRole('button', { name: 'Set up authenticator app' }).click();

	await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
	const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
	expect(secret.replace(/\s+/g, '')).toMatch(/^[A-Z2-7]{32}$/);
	await checkPage(page, 'authenticator app setup');

	await page.getByLabel('Code from the app').fill(appCode(secret));
	await page.getByRole('button', { name: 'Confirm and turn on' }).click();
	await expect(page.getByRole('status')).toContainText('Your authenticator app is set up');
	await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
	await expect(page.getByText('Recovery codes left: 10 of 10.')).toBeVisible();
	await checkPage(page, 'recovery codes');

	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	await expect(page).toHaveURL(/\/sign-in$/);

	// The password alone is no longer enough.
	await page.getByLabel('Email').fill(demoAccounts.billing);
	await page.getByLabel('Password').fill(demoPassword);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/sign-in\/verify$/);
	await expect(page.getByRole('heading', { name: 'Confirm it is you' })).toBeVisible();
	await checkPage(page, 'second step of sign-in');

	await page.getByLabel('Code').fill('000000');
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page.getByText('That code is not right.')).toBeVisible();
	await checkPage(page, 'second step with an error');

	// The code used to confirm the app is spent; the app's next code is accepted (one step of tolerance).
	await page.getByLabel('Code').fill(appCode(secret, 1));
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page).toHaveURL(/\/patients/);

	// Leave the demo account as it was.
	await page.goto('/account');
	const turnOff = page.locator('form[action="?/disableTotp"]');
	await turnOff.getByLabel('Your password').fill(demoPassword);
	await turnOff.getByRole('button', { name: 'Turn off authenticator app' }).click();
	await expect(page.getByRole('status')).toContainText('The authenticator app was turned off');
});

test('the password reset pages are accessible and do not say whether an account exists', async ({ page }) => {
	await page.goto('/sign-in');
	await waitForHydration(page);
	await page.getByRole('link', { name: 'Forgot your password?' }).click();
	await expect(page).toHaveURL(/\/reset-password$/);
	await checkPage(page, 'reset request');
	await page.getByLabel('Email').fill('nobody@riverside.example');
	await page.getByRole('button', { name: 'Send me a link' }).click();
	await expect(page.getByRole('status')).toContainText('If an account exists for that address, we sent it a link');
	await checkPage(page, 'reset requested');
	await page.goto('/reset-password/00000000-0000-4000-8000-000000000000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
	await expect(page.getByRole('alert')).toContainText('expired or was already used');
	await checkPage(page, 'dead reset link');
});
