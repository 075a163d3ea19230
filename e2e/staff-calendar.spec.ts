import { expect, test, type Page } from '@playwright/test';
import { demoAccounts, expectAccessible, expectNoHorizontalScroll, signIn, waitForHydration } from './support';

/**
 * The staff calendar, live: the front desk books a visit with Dr. Chen through the calendar's
 * dialog, and Dr. Chen's own calendar, open in another browser, shows it without a reload; the
 * front desk cancels it (with a confirmation step) and it leaves Dr. Chen's calendar the same way.
 * The clinic's day view passes axe and fits a 360 px phone as an agenda.
 */

/** A weekday at least two days ahead in the demo clinic's zone (New York), as YYYY-MM-DD. */
function upcomingWeekday(): string {
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
	const date = new Date(`${today}T12:00:00Z`);
	date.setUTCDate(date.getUTCDate() + 2);
	while (date.getUTCDay() === 0 || date.getUTCDay() === 6) date.setUTCDate(date.getUTCDate() + 1);
	return date.toISOString().slice(0, 10);
}

async function openLive(page: Page, path: string): Promise<void> {
	await page.goto(path);
	await waitForHydration(page);
	await expect(page.getByRole('status').filter({ hasText: 'Live: changes by others appear here.' })).toBeVisible();
}

test('a visit booked from the clinic calendar appears live on the provider’s calendar, and leaves it when cancelled', async ({ browser }) => {
	const day = upcomingWeekday();
	const deskContext = await browser.newContext();
	const doctorContext = await browser.newContext();
	const desk = await deskContext.newPage();
	const doctor = await doctorContext.newPage();
	try {
		await signIn(desk, demoAccounts.frontDesk);
		await openLive(desk, `/schedule?view=day&date=${day}`);
		await expect(desk.getByRole('heading', { level: 1, name: 'Schedule' })).toBeVisible();
		const chenId = await desk.locator('#practitioner option', { hasText: 'Chen' }).getAttribute('value');
		expect(chenId).toBeTruthy();

		await signIn(doctor, demoAccounts.physician);
		await openLive(doctor, `/schedule?view=day&practitioner=${chenId}&date=${day}`);

		// Book through the dialog: patient, kind of visit, Dr. Chen, the first free time.
		await desk.getByRole('button', { name: 'New appointment', exact: true }).click();
		const dialog = desk.getByRole('dialog', { name: 'New appointment' });
		await dialog.getByLabel('Patient').fill('Garcia');
		await dialog.getByRole('button', { name: /^Maria Garcia/ }).first().click();
		await dialog.getByLabel('Provider').selectOption(chenId!);
		await dialog.getByLabel('Free times from').fill(day);
		await dialog.getByLabel('Free times from').dispatchEvent('change');
		const firstSlot = dialog.getByRole('group', { name: 'Free times (7 days)' }).getByRole('radio').first();
		await expect(firstSlot).toBeVisible();
		const slotLabel = (await dialog.locator('label.slot').first().innerText()).trim();
		const time = slotLabel.slice(0, 5);
		await firstSlot.check();
		await dialog.getByLabel('Reason for the visit').fill('Follow-up on blood pressure');
		await expectAccessible(desk, 'the booking dialog');
		const [response] = await Promise.all([desk.waitForResponse((r) => r.url().endsWith('/api/schedule/book')), dialog.getByRole('button', { name: 'Book appointment' }).click()]);
		expect(response.status()).toBe(201);
		const { appointment } = (await response.json()) as { appointment: { id: string } };
		await expect(dialog).toBeHidden();

		// Dr. Chen's open calendar shows it without a reload, named by patient and time.
		const onDoctor = doctor.locator(`[data-appointment-id="${appointment.id}"]`);
		await expect(onDoctor).toBeVisible();
		await expect(onDoctor).toContainText('Maria Garcia');
		await expect(onDoctor).toContainText(time);
		const onDesk = desk.locator(`[data-appointment-id="${appointment.id}"]`);
		await expect(onDesk).toBeVisible();

		await expectAccessible(desk, 'the clinic day view');
		await desk.setViewportSize({ width: 360, height: 800 });
		await expectNoHorizontalScroll(desk, 'the clinic day view at 360 px');
		await expect(onDesk).toBeVisible();
		await desk.setViewportSize({ width: 1280, height: 900 });

		// Cancel from the appointment's page, after the confirmation step.
		await onDesk.click();
		await expect(desk.getByRole('heading', { level: 1, name: /Maria Garcia/ })).toBeVisible();
		await desk.getByRole('link', { name: 'Cancel appointment…' }).click();
		await expect(desk.getByRole('heading', { name: 'Cancel this appointment?' })).toBeVisible();
		await desk.getByLabel('Reason (for the record)').fill('Patient called to cancel');
		await expectAccessible(desk, 'the cancellation step');
		await desk.getByRole('button', { name: 'Yes, cancel the appointment' }).click();
		await expect(desk.getByRole('status').filter({ hasText: 'The appointment is cancelled.' })).toBeVisible();
		await expect(desk.getByText('Cancelled', { exact: true })).toBeVisible();

		await expect(onDoctor).toHaveCount(0);
	} finally {
		await deskContext.close();
		await doctorContext.close();
	}
});
