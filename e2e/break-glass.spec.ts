import { expect, test, type Page } from '@playwright/test';
import { checkPage, demoAccounts, expectAccessible, signIn, signOut } from './support';

/**
 * Emergency access and patient-controlled sharing: the care team opens Maria Garcia's chart;
 * Dr. Okafor, outside it, is refused the clinical record, breaks the glass with a reason and
 * sees it; the administrators can review it; Maria sees who looked at her record, with the
 * reason; and she shares her medications with an outside person, then revokes the share.
 */

const notOnTeam = 'You are not on this patient’s care team';
const reason = 'Seen in urgent care for chest pain; need her medication list now';

async function openMaria(page: Page): Promise<void> {
	await page.goto(`/patients?q=${encodeURIComponent('Maria Garcia')}`);
	await page.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ }).first().click();
	await expect(page).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
}

/** "YYYY-MM-DD", `days` from today in the demo clinic's time zone. */
function clinicDatePlus(days: number): string {
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
	const date = new Date(`${today}T12:00:00Z`);
	date.setUTCDate(date.getUTCDate() + days);
	return date.toISOString().slice(0, 10);
}

test('a physician outside the care team breaks the glass, and the patient sees who looked and why', async ({ page }) => {
	await signIn(page, demoAccounts.physician);
	await openMaria(page);
	await expect(page.getByRole('heading', { name: /medications/i })).toBeVisible();
	await expect(page.getByRole('heading', { name: notOnTeam })).toHaveCount(0);
	await signOut(page);

	await signIn(page, demoAccounts.otherPhysician);
	await openMaria(page);
	await expect(page.getByRole('heading', { name: /medications/i })).toHaveCount(0);
	await expect(page.getByRole('heading', { name: notOnTeam })).toBeVisible();
	await checkPage(page, 'chart limited to demographics, with the break-the-glass form');

	// A reason too short is refused in plain words; nothing opens.
	await page.getByLabel('Reason for emergency access').fill('urgent');
	await page.getByLabel(/This is an emergency/).check();
	await page.getByRole('button', { name: 'Break the glass' }).click();
	await expect(page.getByText('Say why you need this record now, in at least 10 characters.')).toBeVisible();
	await expect(page.getByRole('heading', { name: /medications/i })).toHaveCount(0);
	await expectAccessible(page, 'break-the-glass form with an error');

	await page.getByLabel('Reason for emergency access').fill(reason);
	await page.getByLabel(/This is an emergency/).check();
	await page.getByRole('button', { name: 'Break the glass' }).click();
	const banner = page.getByRole('status').filter({ hasText: 'Emergency access until' });
	await expect(banner).toContainText(new RegExp(`Emergency access until \\d{2}:\\d{2} — ${reason}`));
	await expect(page.getByRole('heading', { name: /medications/i })).toBeVisible();
	await expect(page.getByRole('heading', { name: notOnTeam })).toHaveCount(0);
	await checkPage(page, 'chart under emergency access');

	// Done with the emergency: close it rather than leave it open for the hour.
	await page.getByRole('button', { name: 'End emergency access now' }).click();
	await expect(page.getByRole('heading', { name: notOnTeam })).toBeVisible();
	await expect(page.getByRole('heading', { name: /medications/i })).toHaveCount(0);
	await signOut(page);

	await signIn(page, demoAccounts.admin);
	await page.goto('/admin/break-glass');
	await expect(page.getByRole('heading', { level: 1, name: 'Emergency access' })).toBeVisible();
	const row = page.getByRole('row').filter({ hasText: reason }).first();
	await expect(row).toContainText('Okafor');
	await expect(row).toContainText('Maria Garcia');
	await checkPage(page, 'emergency access review');

	await page.goto('/admin/audit?action=patient.break_glass');
	await expect(page.getByText(/Audit trail intact — \d+ events/)).toBeVisible();
	await expect(page.getByRole('row').filter({ hasText: reason })).toHaveCount(1);
	await checkPage(page, 'audit log filtered by action');
	const exportHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
	expect(exportHref).toBe('/admin/audit/export.csv?action=patient.break_glass');
	const csv = await page.request.get(exportHref!);
	expect(csv.status()).toBe(200);
	expect(csv.headers()['content-type']).toContain('text/csv');
	expect(await csv.text()).toContain(reason);
	await signOut(page);

	await signIn(page, demoAccounts.patient);
	await page.getByRole('link', { name: 'Who looked at my record' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Who looked at my record' })).toBeVisible();
	const emergencies = page.getByRole('region', { name: 'Emergency access' });
	await expect(emergencies).toContainText('Okafor');
	await expect(emergencies).toContainText(reason);
	await expect(page.getByRole('row').filter({ hasText: 'Used emergency access' }).first()).toContainText('Okafor');
	// Her own views of her record are not listed.
	await expect(page.getByRole('row').filter({ hasText: 'Maria Garcia' })).toHaveCount(0);
	await checkPage(page, 'who looked at my record');
	await signOut(page);
});

test('a patient shares her medications with an outside person, then revokes the share', async ({ page }) => {
	await signIn(page, demoAccounts.patient);
	await page.getByRole('link', { name: 'Share my record' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Share my record' })).toBeVisible();
	await checkPage(page, 'sharing page');

	// Nothing chosen: plain-language errors, nothing shared.
	await page.getByRole('button', { name: 'Share', exact: true }).click();
	await expect(page.getByText('Choose at least one part of your record to share.')).toBeVisible();
	await expectAccessible(page, 'sharing form with errors');

	await page.getByLabel('Medications, allergies, vitals and lab results').check();
	await page.getByLabel('Someone outside the clinic').check();
	await page.getByLabel('Their name').fill('Dr. Ines Ortega');
	await page.getByLabel('Their email address').fill('ines.ortega@hospital.example');
	await page.getByLabel('Last day of sharing').fill(clinicDatePlus(14));
	await page.getByRole('button', { name: 'Share', exact: true }).click();
	await expect(page.getByText('We emailed ines.ortega@hospital.example an invitation to create their account.')).toBeVisible();
	const shared = page.getByRole('region', { name: 'Shared now' });
	await expect(shared).toContainText('Dr. Ines Ortega');
	await expect(shared).toContainText('Medications, allergies, vitals and lab results');
	await checkPage(page, 'sharing page with an active share');

	await shared.getByRole('button', { name: 'Revoke sharing with Dr. Ines Ortega' }).click();
	await expect(page.getByText('Sharing has ended.')).toBeVisible();
	await expect(shared).not.toContainText('Dr. Ines Ortega');
	const past = page.getByRole('region', { name: 'Shared before' });
	await expect(past).toContainText('Dr. Ines Ortega');
	await expect(past).toContainText('Ended by you');
	await checkPage(page, 'sharing page after revoking');
	await signOut(page);
});
