import { expect, test, type Browser, type Page } from '@playwright/test';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { demoAccounts, expectAccessible, expectNoHorizontalScroll, signIn, waitForHydration } from './support';

/**
 * The portal booking journey (issue 6): Maria Garcia, who prefers Spanish, is abroad (her
 * browser in Europe/Lisbon) and books a video visit with Dr. Chen in the portal. Dr. Chen has his
 * day open on the staff calendar in another browser and sees the visit appear, then move when
 * Maria reschedules it — without reloading. The visit is within 24 hours, so the 24-hour email
 * reminder is due at once: it arrives in Spanish, with the visit as an .ics attachment, at a real
 * SMTP server on loopback that this spec runs and the e2e server sends to (SMTP_URL in
 * playwright.config.ts). Maria then cancels the visit (confirmation step), which also puts the
 * demo clinic back as it was.
 */

const clinicZone = 'America/New_York';
const mariaEmail = demoAccounts.patient;

interface Received {
	to: string;
	subject: string;
	text: string;
	language: string;
	attachments: { filename: string; contentType: string; content: string }[];
}

/** A real SMTP server on the port the e2e server was told about; keeps every message it accepts. */
async function startMailbox(port: number): Promise<{ received: Received[]; waitFor: (match: (m: Received) => boolean) => Promise<Received>; close: () => Promise<void> }> {
	const received: Received[] = [];
	const waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onData(stream, _session, callback) {
			simpleParser(stream)
				.then((mail) => {
					const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
					const language = mail.headers.get('content-language');
					const message: Received = {
						to,
						subject: mail.subject ?? '',
						text: mail.text ?? '',
						language: typeof language === 'string' ? language : '',
						attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content.toString('utf8') }))
					};
					received.push(message);
					for (const waiter of [...waiters]) {
						if (waiter.match(message)) {
							waiters.splice(waiters.indexOf(waiter), 1);
							waiter.resolve(message);
						}
					}
					callback();
				})
				.catch((error: Error) => callback(error));
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve());
	});
	return {
		received,
		// Bounded by the test's timeout: no timer of its own.
		waitFor: (match) => {
			const already = received.find(match);
			return already ? Promise.resolve(already) : new Promise((resolve) => waiters.push({ match, resolve }));
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

/** axe and the 360 px fit, on a phone-sized page (the patient's browser stays that size). */
async function checkPage(page: Page, context: string): Promise<void> {
	await expectAccessible(page, `${context} (360 px)`);
	await expectNoHorizontalScroll(page, `${context} (360 px)`);
}

/** The local date of an instant in a zone, "YYYY-MM-DD". */
function dayIn(instant: string, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(new Date(instant));
}

/** "09:30": how the staff calendar prints a start (24-hour clock, the location's zone). */
function clock24(instant: string, timeZone: string): string {
	return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(instant));
}

/** A slot radio's value is "practitionerId|locationId|startsAt". */
function slotParts(value: string): { practitionerId: string; startsAt: string } {
	const [practitionerId, , startsAt] = value.split('|');
	return { practitionerId: practitionerId!, startsAt: startsAt! };
}

/** DTSTART of an .ics as an instant (UTC "…Z" form, or local time with a TZID in the clinic's zone). */
function icsStart(ics: string): string {
	const line = /^DTSTART[^:\r\n]*:(\d{8}T\d{6}Z?)/m.exec(ics)?.[1] ?? '';
	const iso = `${line.slice(0, 4)}-${line.slice(4, 6)}-${line.slice(6, 8)}T${line.slice(9, 11)}:${line.slice(11, 13)}:${line.slice(13, 15)}`;
	if (line.endsWith('Z')) return new Date(`${iso}Z`).toISOString();
	return iso; // local wall time; compared as such below
}

test('a patient abroad books a video visit in the portal, the provider sees it live, she reschedules, and the reminder arrives in Spanish', async ({ browser, baseURL }) => {
	const mailbox = await startMailbox(Number(process.env.E2E_SMTP_PORT));
	const patientContext = await browser.newContext({ baseURL, timezoneId: 'Europe/Lisbon', locale: 'es-ES', viewport: { width: 360, height: 800 } });
	const providerContext = await browser.newContext({ baseURL, timezoneId: clinicZone, locale: 'en-US' });
	try {
		const maria = await patientContext.newPage();
		const chen = await providerContext.newPage();
		await Promise.all([signIn(maria, mariaEmail), signIn(chen, demoAccounts.physician)]);

		// The portal's navigation leads to her appointments.
		await maria.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Appointments' }).click();
		await expect(maria.getByRole('heading', { level: 1, name: 'My appointments' })).toBeVisible();
		await expect(maria.getByRole('link', { name: 'Reminder preferences' })).toHaveAttribute('href', /\/portal\/appointments\/preferences/);

		// Book a visit: a video visit (portal-bookable types only) with Dr. Chen, the first free day.
		await maria.getByRole('link', { name: 'Book a visit' }).click();
		await expect(maria.getByRole('heading', { level: 1, name: 'Book a visit' })).toBeVisible();
		await waitForHydration(maria);
		await maria.getByRole('radio', { name: /video visit from home/ }).first().check();
		await maria.getByRole('button', { name: 'Continue' }).click();
		const provider = maria.getByLabel('Provider');
		const chenId = (await provider.locator('option', { hasText: 'Chen' }).first().getAttribute('value'))!;
		await provider.selectOption(chenId);
		await maria.getByRole('button', { name: 'Show free times' }).click();
		// The first-available times stay on screen until Dr. Chen's arrive with the new address.
		await expect(maria).toHaveURL(new RegExp(`[?&]provider=${chenId}`));
		const slots = maria.getByRole('group', { name: /^Free times on / }).getByRole('radio');
		await expect(slots.first()).toBeVisible();

		// The earliest free time must be within 24 hours, so that the 24-hour reminder is due at
		// once. The demo's hours are on weekdays: on a weekend the clinic adds extra hours first.
		let first = slotParts((await slots.first().getAttribute('value'))!);
		if (Date.parse(first.startsAt) - Date.now() >= 24 * 3_600_000) {
			const extraDay = await addExtraHoursSoon(browser, baseURL!, chenId);
			await maria.getByLabel('Day', { exact: true }).fill(extraDay);
			await maria.getByRole('button', { name: 'Show free times' }).click();
			await expect(maria).toHaveURL(new RegExp(`[?&]day=${extraDay}`));
			await expect(maria.getByRole('group', { name: /^Free times on / })).toBeVisible();
			first = slotParts((await slots.first().getAttribute('value'))!);
		}
		expect(Date.parse(first.startsAt) - Date.now()).toBeLessThan(24 * 3_600_000);
		await checkPage(maria, 'booking: free times');
		// The times are in the clinic's zone and, since her browser is in Lisbon, in hers too.
		await expect(maria.getByText(/your time\)/).first()).toBeVisible();
		const day = dayIn(first.startsAt, clinicZone);

		// Dr. Chen's day is open in the other browser, following changes live.
		await chen.goto(`/schedule?view=day&practitioner=${first.practitionerId}&date=${day}`);
		await waitForHydration(chen);
		await expect(chen.getByText('Live: changes by others appear here.')).toBeVisible();
		// Marks this document: if the calendar reloaded the page, the mark would be gone.
		await chen.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

		await slots.first().check();
		await maria.getByLabel('Reason for the visit').fill('Revisar el nivel de azúcar');
		await maria.getByLabel('Notes for the clinic (optional)').fill('Estoy de viaje en Lisboa.');
		await maria.getByRole('button', { name: 'Review booking' }).click();
		await expect(maria.getByRole('heading', { name: 'Check your booking' })).toBeVisible();
		await expect(maria.getByRole('region', { name: 'Check your booking' })).toContainText('Video visit');
		await checkPage(maria, 'booking: review');
		await maria.getByRole('button', { name: 'Confirm booking' }).click();
		await expect(maria).toHaveURL(/\/portal\/appointments\?patient=[0-9a-f-]{36}&booked=[0-9a-f-]{36}$/);
		const appointmentId = new URL(maria.url()).searchParams.get('booked')!;
		await expect(maria.getByRole('status').filter({ hasText: 'is booked for' })).toBeVisible();
		const upcoming = maria.locator(`li[data-appointment-id="${appointmentId}"]`);
		await expect(upcoming).toContainText('Video visit');
		await expect(upcoming).toContainText('your time)');
		await checkPage(maria, 'portal appointments after booking');

		// Dr. Chen's open calendar shows it, named by patient and time.
		const onCalendar = chen.locator(`[data-appointment-id="${appointmentId}"]`);
		await expect(onCalendar).toContainText('Maria Garcia');
		await expect(onCalendar).toContainText(clock24(first.startsAt, clinicZone));

		// Maria moves it to another free time the same day; the page shows the old time meanwhile.
		await upcoming.getByRole('link', { name: /^Reschedule/ }).click();
		await expect(maria.getByRole('heading', { level: 1, name: 'Reschedule a visit' })).toBeVisible();
		await expect(maria.getByRole('region', { name: 'Booked now' })).toContainText('Video visit');
		await maria.getByLabel('Day', { exact: true }).fill(day);
		await maria.getByRole('button', { name: 'Show free times' }).click();
		await expect(maria).toHaveURL(new RegExp(`[?&]day=${day}`));
		const newSlots = maria.getByRole('group', { name: /^Free times on / }).getByRole('radio');
		await expect(newSlots.first()).toBeVisible();
		await checkPage(maria, 'reschedule');
		const later = slotParts((await newSlots.first().getAttribute('value'))!);
		expect(dayIn(later.startsAt, clinicZone)).toBe(day);
		await newSlots.first().check();
		await maria.getByRole('button', { name: 'Move my visit' }).click();
		await expect(maria).toHaveURL(new RegExp(`moved=${appointmentId}`));
		await expect(maria.getByRole('status').filter({ hasText: 'is moved to' })).toContainText('it was');

		// The calendar moved it live: same element, new time, no reload.
		await expect(onCalendar).toContainText(clock24(later.startsAt, clinicZone));
		await expect(onCalendar).toContainText('Maria Garcia');
		expect(await chen.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

		// The reminder, due at once (the visit is within 24 hours): Spanish, with the visit as an .ics.
		// Usually for the new time; for the first one if it was already on its way when she moved it.
		const forThisVisit = (m: Received) =>
			m.to.includes(mariaEmail) &&
			m.subject.startsWith('Recordatorio') &&
			m.attachments.some((a) => [first.startsAt, later.startsAt].some((start) => sameStart(icsStart(a.content), start)));
		const reminder = await mailbox.waitFor(forThisVisit);
		expect(reminder.subject).toMatch(/^Recordatorio: su cita del /);
		expect(reminder.text).toContain('Le recordamos su cita');
		const ics = reminder.attachments.find((a) => a.contentType.startsWith('text/calendar'));
		expect(ics, 'the reminder carries the visit as text/calendar').toBeTruthy();
		expect(ics!.content).toContain('BEGIN:VCALENDAR');
		expect(ics!.content).toContain('BEGIN:VEVENT');
		expect(ics!.filename).toMatch(/\.ics$/);

		// Cancel, with a confirmation step; the visit goes to "Past and cancelled".
		await maria.locator(`li[data-appointment-id="${appointmentId}"]`).getByRole('link', { name: /^Cancel/ }).click();
		await expect(maria.getByRole('heading', { level: 1, name: 'Cancel this visit?' })).toBeVisible();
		await checkPage(maria, 'cancel confirmation');
		await maria.getByRole('button', { name: 'Yes, cancel this visit' }).click();
		await expect(maria.getByRole('status').filter({ hasText: 'is cancelled' })).toBeVisible();
		await expect(maria.getByRole('region', { name: 'Past and cancelled' }).locator(`li[data-appointment-id="${appointmentId}"]`)).toContainText('Cancelled');
	} finally {
		await patientContext.close();
		await providerContext.close();
		await mailbox.close();
	}
});

/**
 * Extra working hours for the provider from the next whole hour + 3 h for 3 hours (clinic time),
 * added by the administrator on the scheduling admin page; returns their local day.
 */
async function addExtraHoursSoon(browser: Browser, baseURL: string, practitionerId: string): Promise<string> {
	const context = await browser.newContext({ baseURL });
	try {
		const admin = await context.newPage();
		await signIn(admin, demoAccounts.admin);
		await admin.goto(`/admin/scheduling/providers/${practitionerId}`);
		await waitForHydration(admin);
		const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3 * 3_600_000);
		const local = (instant: Date) =>
			new Intl.DateTimeFormat('sv-SE', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: clinicZone })
				.format(instant)
				.replace(' ', 'T');
		await admin.getByLabel('What').selectOption('extra');
		const location = admin.getByLabel('Location (needed for extra hours)');
		await location.selectOption((await location.locator('option').nth(1).getAttribute('value'))!);
		await admin.getByLabel(/^From/).fill(local(start));
		await admin.getByLabel(/^To/).fill(local(new Date(start.getTime() + 3 * 3_600_000)));
		await admin.getByLabel(/^Reason/).fill('Weekend video visits');
		await admin.getByRole('button', { name: 'Add', exact: true }).click();
		await expect(admin.getByText(/^Extra hours at/).first()).toBeVisible();
		return dayIn(start.toISOString(), clinicZone);
	} finally {
		await context.close();
	}
}

/** An .ics start (UTC instant, or local wall time in the clinic's zone) against an ISO instant. */
function sameStart(ics: string, instant: string): boolean {
	if (ics.endsWith('Z')) return ics === new Date(instant).toISOString();
	const local = new Intl.DateTimeFormat('sv-SE', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: clinicZone })
		.format(new Date(instant))
		.replace(' ', 'T');
	return ics === local;
}
