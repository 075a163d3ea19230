import { expect, test } from '@playwright/test';
import { checkPage, demoAccounts, demoPassword, expectAccessible, signIn, waitForHydration } from './support';

/**
 * The clinic administrator's journeys: invite a nurse (the invitation waits in the outbox),
 * deactivate and reactivate an account, change a care team and a clinic setting; and automatic
 * logoff as a person sees it. Only accounts no other journey depends on are changed (Daniel Kim,
 * Dr. Reed, Walter Brooks' care team), and every change is put back.
 */

const kim = { email: 'nurse.kim@riverside.example', name: 'Daniel Kim, NP' };
const reed = 'dr.reed@riverside.example';

test('an administrator invites a nurse, and the invitation waits in the outbox', async ({ page }) => {
	await signIn(page, demoAccounts.admin);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Clinic administration' })).toBeVisible();
	await checkPage(page, 'admin start page');

	await page.getByRole('link', { name: 'Accounts' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
	await expect(page.getByRole('rowheader', { name: 'Grace Holloway' })).toBeVisible();
	await checkPage(page, 'account list');

	await page.getByRole('link', { name: 'Invite staff' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Invite a member of staff' })).toBeVisible();
	await checkPage(page, 'invitation form');

	// Nothing filled in: each field says what it needs, and nothing is sent.
	await page.getByRole('button', { name: 'Send invitation' }).click();
	await expect(page.getByRole('alert')).toHaveText('Some fields need attention. The messages are next to the fields.');
	await expect(page.getByText('Enter the given name.')).toBeVisible();
	await expect(page.getByText('Choose a role.')).toBeVisible();
	await checkPage(page, 'invitation form with errors');

	await page.getByLabel('Given name').fill('Nina');
	await page.getByLabel('Family name').fill('Novak');
	await page.getByLabel('Work email').fill('nina.novak@riverside.example');
	await page.getByLabel('Role').selectOption('nurse');
	await page.getByLabel('Credentials').fill('RN');
	await page.getByLabel('Specialty').fill('Triage');
	await page.getByRole('button', { name: 'Send invitation' }).click();
	await expect(page).toHaveURL(/\/admin\/users\/[0-9a-f-]{36}\?done=invited$/);
	await expect(page.getByRole('status')).toHaveText('Invitation sent. The link in it works once, for one hour.');
	await expect(page.getByRole('heading', { level: 1, name: 'Nina Novak' })).toBeVisible();
	await expect(page.getByText('Invited, no password chosen yet')).toBeVisible();
	await expect(page.getByText('RN, Triage')).toBeVisible();
	await checkPage(page, 'account details after inviting');

	// The same address again is refused with a reason. (Links, not page.goto: the form is then
	// already interactive when it is filled in.)
	await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Accounts' }).click();
	await page.getByRole('link', { name: 'Invite staff' }).click();
	await page.getByLabel('Given name').fill('Nina');
	await page.getByLabel('Family name').fill('Novak');
	await page.getByLabel('Work email').fill('NINA.NOVAK@riverside.example');
	await page.getByLabel('Role').selectOption('nurse');
	await page.getByRole('button', { name: 'Send invitation' }).click();
	await expect(page.getByText('An account with this email address already exists.')).toBeVisible();

	await page.goto('/admin/outbox');
	const row = page.getByRole('row').filter({ hasText: 'nina.novak@riverside.example' });
	await expect(row).toHaveCount(1);
	await expect(row).toContainText('Invitation');

	await page.goto('/admin/users?status=invited');
	await expect(page.getByRole('rowheader', { name: 'Nina Novak' })).toBeVisible();
	await expect(page.getByRole('status')).toHaveText('1 account.');
});

test('an administrator deactivates an account, which then cannot sign in, and reactivates it', async ({ page, browser }) => {
	await signIn(page, demoAccounts.admin);
	await page.goto('/admin/users?q=kim');
	await page.getByRole('link', { name: kim.name }).click();
	await expect(page.getByRole('heading', { level: 1, name: kim.name })).toBeVisible();
	await checkPage(page, 'account details');

	await page.getByRole('button', { name: 'Deactivate account' }).click();
	await expect(page.getByRole('status')).toHaveText('Account deactivated. Every session it had was signed out.');
	await expect(page.getByText('Deactivated', { exact: true })).toBeVisible();
	await checkPage(page, 'deactivated account');

	const other = await browser.newContext();
	const outsider = await other.newPage();
	await outsider.goto('/sign-in');
	await waitForHydration(outsider);
	await outsider.getByLabel('Email').fill(kim.email);
	await outsider.getByLabel('Password').fill(demoPassword);
	await outsider.getByRole('button', { name: 'Sign in' }).click();
	await expect(outsider.getByRole('alert')).toContainText('deactivated');
	await other.close();

	await page.getByRole('button', { name: 'Reactivate account' }).click();
	await expect(page.getByRole('status')).toHaveText('Account reactivated. The person can sign in again.');
	await expect(page.getByRole('button', { name: 'Deactivate account' })).toBeVisible();

	// An administrator's own account cannot be deactivated from here.
	await page.goto('/admin/users?q=holloway');
	await page.getByRole('link', { name: 'Grace Holloway' }).click();
	await expect(page.getByText('This is your own account. Another administrator can deactivate it.')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Deactivate account' })).toHaveCount(0);
});

test('an administrator changes a care team and puts it back', async ({ page }) => {
	await signIn(page, demoAccounts.admin);
	await page.goto('/admin/care-teams');
	await checkPage(page, 'care team search');
	await page.getByLabel('Find a patient').fill('Walter Brooks');
	await page.getByRole('button', { name: 'Search' }).click();
	await expect(page.getByRole('link', { name: 'Brooks, Walter' })).toBeVisible();
	await checkPage(page, 'care team search results');
	await page.getByRole('link', { name: 'Brooks, Walter' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Care team of Walter Brooks' })).toBeVisible();
	await checkPage(page, 'care team');

	await page.getByLabel('Practitioner').selectOption({ label: 'Thomas Reed, DO — Family Medicine' });
	await page.getByRole('button', { name: 'Add to the care team' }).click();
	await expect(page.getByRole('status')).toHaveText('Care team updated. The change applies to chart access at once.');
	const members = page.getByRole('region', { name: 'Members' });
	await expect(members.getByRole('listitem').filter({ hasText: 'Thomas Reed, DO' })).toHaveCount(1);

	await members.getByRole('button', { name: 'Remove Thomas Reed, DO' }).click();
	await expect(page.getByRole('status')).toHaveText('Removed from the care team. Their open views of this chart were closed.');
	await expect(members.getByRole('listitem').filter({ hasText: 'Thomas Reed, DO' })).toHaveCount(0);
});

test('an administrator changes the automatic sign-out time, and invalid values are explained', async ({ page }) => {
	await signIn(page, demoAccounts.admin);
	await page.goto('/admin/settings');
	await expect(page.getByRole('heading', { level: 1, name: 'Clinic settings' })).toBeVisible();
	const minutes = page.getByLabel('Automatic sign-out after inactivity (minutes)');
	await expect(minutes).toHaveValue('15');
	await checkPage(page, 'clinic settings');

	await minutes.fill('4');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByText('Use at least 5 minutes.')).toBeVisible();
	await checkPage(page, 'clinic settings with an error');

	await minutes.fill('20');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByRole('status')).toHaveText('Settings saved.');
	await expect(minutes).toHaveValue('20');
	await page.goto('/admin');
	await expect(page.getByText('Automatic sign-out after 20 minutes without activity')).toBeVisible();

	// Back to the demo's 15 minutes, which other journeys see.
	await page.getByRole('link', { name: 'Clinic settings' }).click();
	await expect(minutes).toHaveValue('20');
	await minutes.fill('15');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByRole('status')).toHaveText('Settings saved.');
	await expect(minutes).toHaveValue('15');
});

test('people who are not administrators cannot open the admin pages', async ({ page }) => {
	await signIn(page, reed);
	await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);
	const response = await page.goto('/admin/users');
	expect(response?.status()).toBe(403);
	await expect(page.getByText('Only clinic administrators can manage accounts.')).toBeVisible();
});

/**
 * Automatic logoff in the browser. The page's clock is Playwright's, moved forward: the warning
 * and the logoff are the page's own timers firing, and the session ends on the server.
 */
test('after a quiet spell a warning offers to stay signed in; after the timeout the person is signed out', async ({ page }) => {
	await page.clock.install();
	// The page tells the server it is there when it loads; wait for that before moving the clock.
	const loaded = page.waitForResponse((r) => r.url().endsWith('/api/session/keepalive') && r.status() === 200);
	await signIn(page, reed);
	await expect(page).toHaveURL(/\/patients/);
	await loaded;

	await page.clock.fastForward('14:05');
	const warning = page.getByRole('alertdialog', { name: 'Are you still there?' });
	await expect(warning).toBeVisible();
	await expect(warning.getByRole('button', { name: 'Stay signed in' })).toBeFocused();
	await expectAccessible(page, 'idle warning');

	const kept = page.waitForResponse((r) => r.url().endsWith('/api/session/keepalive') && r.status() === 200);
	await warning.getByRole('button', { name: 'Stay signed in' }).click();
	await kept;
	await expect(warning).toBeHidden();

	await page.clock.fastForward('14:05');
	await expect(warning).toBeVisible();
	await page.clock.fastForward('01:00');
	await expect(page).toHaveURL(/\/sign-in\?reason=idle$/);
	await expect(page.getByRole('status')).toHaveText('You were signed out after 15 minutes without activity.');
	await checkPage(page, 'sign-in after automatic sign-out');

	// The session is over on the server too.
	await page.goto('/patients');
	await expect(page).toHaveURL(/\/sign-in$/);
});
