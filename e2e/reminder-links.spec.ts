import { expect, test, type Page } from '@playwright/test';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { demoAccounts, expectAccessible, expectNoHorizontalScroll, signIn, waitForHydration } from './support';

/**
 * Reminder links (issue 6): Maria Garcia (Spanish) asks in the portal for her email reminders
 * three days ahead; the front desk books her a visit within those three days, so the reminder is
 * due at once and arrives (a real SMTP server on loopback, as in the portal booking journey) in
 * Spanish with its signed links. She confirms from the link's page without signing in; the same
 * link then says it was already used (410), a changed link is refused (400), and her cancel link
 * cancels the visit after asking. Her settings go back as they were.
 */

interface Received {
	to: string;
	subject: string;
	text: string;
}

async function startMailbox(port: number) {
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
					const message = { to, subject: mail.subject ?? '', text: mail.text ?? '' };
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
		waitFor: (match: (m: Received) => boolean) => {
			const already = received.find(match);
			return already ? Promise.resolve(already) : new Promise<Received>((resolve) => waiters.push({ match, resolve }));
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

async function checkPage(page: Page, context: string): Promise<void> {
	await expectAccessible(page, `${context} (360 px)`);
	await expectNoHorizontalScroll(page, `${context} (360 px)`);
}

test('a reminder arrives in Spanish; its confirm link works once, a changed link is refused, the cancel link cancels', async ({ browser, baseURL }) => {
	const mailbox = await startMailbox(Number(process.env.E2E_SMTP_PORT));
	const patientContext = await browser.newContext({ viewport: { width: 360, height: 780 } });
	const deskContext = await browser.newContext();
	const maria = await patientContext.newPage();
	const desk = await deskContext.newPage();
	try {
		// 1. Maria's reminder settings: email three days ahead (a plain form).
		await signIn(maria, demoAccounts.patient);
		await maria.goto('/portal/appointments/preferences');
		await waitForHydration(maria);
		await expect(maria.getByRole('heading', { level: 1, name: 'Appointment reminders' })).toBeVisible();
		await checkPage(maria, 'reminder settings');
		await maria.locator('#email-hours').selectOption('72');
		await expect(maria.getByLabel('Send reminders by email')).toBeChecked();
		await maria.getByRole('button', { name: 'Save reminder settings' }).click();
		await expect(maria.getByRole('status')).toContainText('Saved');
		await expect(maria.locator('#email-hours')).toHaveValue('72');

		// 2. The front desk books her the first free follow-up with Dr. Reed at least an hour from now.
		await signIn(desk, demoAccounts.frontDesk);
		const view = await (await desk.request.get('/api/schedule/calendar?view=day')).json();
		const reed = view.providers.find((p: { name: string }) => p.name.includes('Reed'));
		const type = view.types.find((t: { name: string }) => t.name === 'Follow-up');
		const patients = await (await desk.request.get('/api/patients?q=Garcia%20Maria')).json();
		const patientId = patients.hits.find((h: { givenName: string }) => h.givenName === 'Maria').id;
		const today = new Date().toISOString().slice(0, 10);
		const slots: { startsAt: string; locationId: string }[] = (await (await desk.request.get(`/api/schedule/slots?appointmentTypeId=${type.id}&practitionerId=${reed.id}&from=${today}&days=4`)).json()).slots;
		const slot = slots.find((s) => Date.parse(s.startsAt) > Date.now() + 3600_000 && Date.parse(s.startsAt) < Date.now() + 70 * 3600_000);
		expect(slot, 'Dr. Reed has a free follow-up within three days').toBeTruthy();
		const booked = await desk.request.post('/api/schedule/book', {
			headers: { origin: baseURL! },
			data: { patientId, appointmentTypeId: type.id, practitionerId: reed.id, locationId: slot!.locationId, startsAt: slot!.startsAt, reason: 'Knee pain' }
		});
		expect(booked.status()).toBe(201);

		// 3. The reminder, due at once: in Spanish, with three links, never the reason.
		const reminder = await mailbox.waitFor((m) => m.to.includes(demoAccounts.patient) && m.subject.startsWith('Recordatorio'));
		expect(reminder.text).toContain('Le recordamos su cita');
		expect(reminder.text).not.toContain('Knee pain');
		const links = [...reminder.text.matchAll(/https?:\/\/\S+\/appointment-links\/\S+/g)].map((m) => new URL(m[0]).pathname);
		expect(links).toHaveLength(3);
		const [confirmPath, cancelPath] = links as [string, string, string];

		// 4. The confirm link, in another browser with no session: the page asks, the button confirms.
		const visitor = await browser.newContext({ viewport: { width: 360, height: 780 } });
		const link = await visitor.newPage();
		const opened = await link.goto(confirmPath);
		expect(opened!.status()).toBe(200);
		await waitForHydration(link);
		await expect(link.getByRole('heading', { level: 1, name: 'Confirme su cita' })).toBeVisible();
		await checkPage(link, 'confirm link');
		await link.getByRole('button', { name: 'Sí, iré' }).click();
		await expect(link.getByRole('status')).toContainText('Su cita está confirmada');
		await checkPage(link, 'confirmed');

		// 5. Used once: the same link now says so, with 410; a changed link is refused with 400.
		const again = await link.goto(confirmPath);
		expect(again!.status()).toBe(410);
		await expect(link.getByRole('heading', { level: 1 })).toHaveText('This link no longer works');
		await expect(link.getByText('This link was already used')).toBeVisible();
		await checkPage(link, 'used link');
		const tampered = await link.goto(confirmPath.replace('.confirm.', '.cancel.'));
		expect(tampered!.status()).toBe(400);
		await expect(link.getByRole('heading', { level: 1 })).toHaveText('This link is not valid');

		// 6. The cancel link asks first, then cancels (and puts the demo clinic back).
		await link.goto(cancelPath);
		await waitForHydration(link);
		await expect(link.getByText('¿Desea cancelar esta cita?')).toBeVisible();
		await link.getByRole('button', { name: 'Sí, cancelar la cita' }).click();
		await expect(link.getByRole('status')).toContainText('Su cita está cancelada');
		await visitor.close();
	} finally {
		// Maria's settings as they were: the clinic's timing.
		await maria.goto('/portal/appointments/preferences');
		await waitForHydration(maria);
		await maria.locator('#email-hours').selectOption('default');
		await maria.getByRole('button', { name: 'Save reminder settings' }).click();
		await expect(maria.getByRole('status')).toContainText('Saved');
		await patientContext.close();
		await deskContext.close();
		await mailbox.close();
	}
});
