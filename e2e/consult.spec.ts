import { expect as baseExpect, test, type Page } from '@playwright/test';
import { demoAccounts, expectAccessible, expectNoHorizontalScroll, signIn, waitForHydration } from './support';

/**
 * A video consult (issue 7), two Chromium contexts with fake camera and microphone: Dr. Chen
 * starts a video consult from Maria Garcia's record and joins the call; Maria, on a 360 px
 * phone, finds the open visit in the portal, passes the device check (a verdict on her
 * connection), waits in the waiting room until he admits her, and the call connects: both
 * sides decode the other's video (the call's getStats figures in "Connection details"). He
 * shares his screen and her browser receives that track. He shows a report; she draws a box on
 * it and he sees it within a second; both reload and the box is still there. He types the
 * consult note during the call, ends the visit, and the note is in the patient's visit history.
 */

// Two browsers encoding and decoding video share the machine with the server: waits get more room.
const expect = baseExpect.configure({ timeout: 20_000 });

/** The annotation promise of the issue: the other side sees it within a second. */
const liveMs = 1_000;
const noteWords = 'Video consult: glucose log reviewed together, continue metformin.';

async function checkPhone(page: Page, context: string): Promise<void> {
	await expectAccessible(page, `${context} (360 px)`);
	await expectNoHorizontalScroll(page, `${context} (360 px)`);
}

/** Video frames this page decoded from each other participant, per the call's getStats. */
async function framesDecoded(page: Page): Promise<number[]> {
	return page.locator('tr[data-frames-decoded]').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-frames-decoded'))));
}

async function expectDecodedVideo(page: Page, who: string): Promise<void> {
	const details = page.locator('details', { hasText: 'Connection details' });
	if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
	await expect.poll(async () => Math.max(0, ...(await framesDecoded(page))), { message: `${who} decodes the other's video`, timeout: 30_000 }).toBeGreaterThan(0);
}

/** Device check through to the next step: the preview runs and the connection has a verdict. */
async function passDeviceCheck(page: Page, button: string): Promise<void> {
	await waitForHydration(page);
	await expect(page.getByRole('heading', { name: 'Check your camera, microphone and connection' })).toBeVisible();
	await expect(page.locator('[data-verdict]')).toHaveAttribute('data-verdict', /good|fair/);
	await expect(page.getByLabel('Your camera', { exact: true })).toHaveJSProperty('paused', false);
	await page.getByRole('button', { name: button }).click();
}

/** Maria's screen of the shared report: a box dragged across the page. */
async function drawBox(page: Page): Promise<void> {
	await page.getByRole('toolbar', { name: 'Annotation tools' }).getByRole('button', { name: 'Rectangle', exact: true }).click();
	const overlay = page.getByTestId('annotation-overlay');
	const box = (await overlay.boundingBox())!;
	await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
	await page.mouse.down();
	await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.35, { steps: 4 });
	await page.mouse.up();
}

test('video consult: device check, waiting room, admit, call with video both ways, screen share, a shared report annotated live, the consult note in the visit history', async ({ browser, baseURL }) => {
	// Two browsers decoding each other's video: on a quiet machine about 30 s; a loaded CI runner needs more.
	test.setTimeout(180_000);
	const chenContext = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
	const mariaContext = await browser.newContext({ baseURL, viewport: { width: 360, height: 800 } });
	try {
		const chen = await chenContext.newPage();
		const maria = await mariaContext.newPage();
		await Promise.all([signIn(chen, demoAccounts.physician), signIn(maria, demoAccounts.patient)]);

		// Dr. Chen starts a video consult from Maria's record and joins its call.
		await chen.goto(`/patients?q=${encodeURIComponent('Maria Garcia')}`);
		await chen.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ }).first().click();
		await expect(chen).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
		const patientId = chen.url().split('/').pop()!;
		await chen.getByRole('button', { name: 'Start video consult' }).click();
		await expect(chen).toHaveURL(/\/consults\/[0-9a-f-]{36}$/);
		const consultId = chen.url().split('/').pop()!;
		await passDeviceCheck(chen, 'Join the call');
		await expect(chen.getByRole('heading', { name: /^Waiting room/ })).toBeVisible();

		// Maria finds the open visit in the portal, checks her devices, and waits.
		await maria.goto('/portal/consults');
		await maria.locator(`[data-consult-id="${consultId}"]`).getByRole('link', { name: /Join video visit/ }).click();
		await expect(maria).toHaveURL(new RegExp(`/portal/consults/${consultId}$`));
		await waitForHydration(maria);
		await expect(maria.locator('[data-verdict]')).toBeVisible();
		await checkPhone(maria, 'device check');
		await passDeviceCheck(maria, 'Go to the waiting room');
		await expect(maria.getByTestId('waiting-status')).toContainText('You are next.');
		await checkPhone(maria, 'waiting room');

		// He sees her in the queue (her device check's verdict with her) and admits her; she is told at once.
		const queued = chen.getByRole('region', { name: /^Waiting room/ }).getByRole('listitem').filter({ hasText: 'Maria Garcia' });
		await expect(queued).toBeVisible();
		await chen.getByRole('button', { name: 'Admit Maria Garcia' }).click();
		await expect(maria.getByRole('toolbar', { name: 'Call controls' })).toBeVisible();

		// Connected: each side decodes the other's video.
		await Promise.all([expectDecodedVideo(chen, 'Dr. Chen'), expectDecodedVideo(maria, 'Maria')]);
		await checkPhone(maria, 'call');

		// He shares his screen: her browser receives a second video track, labelled as his screen.
		await chen.getByRole('button', { name: 'Share screen' }).click();
		await expect(chen.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
		const screenTile = maria.locator('figure[data-source="screen"] video');
		await expect(screenTile).toBeVisible();
		await expect.poll(() => screenTile.evaluate((v) => (v as HTMLVideoElement).videoWidth), { timeout: 10_000 }).toBeGreaterThan(0);

		// He types the consult note while they talk.
		const note = chen.getByRole('textbox', { name: /^Consult note/ });
		await note.click();
		await chen.keyboard.insertText(noteWords);

		// He shows a report; she draws a box on it and he sees it within a second.
		await chen.getByRole('combobox', { name: 'Report', exact: true }).selectOption({ index: 1 });
		await chen.getByRole('button', { name: 'Show in the call' }).click();
		const mariaReport = maria.getByTestId('shared-report');
		await expect(mariaReport.getByTestId('annotation-overlay')).toBeVisible();
		const chenAnnotations = chen.getByTestId('shared-report').getByTestId('annotation');
		const before = await chenAnnotations.count();
		// Timed inside the two browsers (one machine, one clock): her pointer up to his list growing.
		const seenAt = chen.getByTestId('shared-report').evaluate(
			(report, count) =>
				new Promise<number>((resolve) => {
					const check = () => report.querySelectorAll('[data-testid="annotation"]').length > count && (observer.disconnect(), resolve(Date.now()));
					const observer = new MutationObserver(check);
					observer.observe(report, { childList: true, subtree: true });
				}),
			before
		);
		await maria.getByTestId('annotation-overlay').evaluate((overlay) => overlay.addEventListener('pointerup', () => ((window as unknown as { drawnAt: number }).drawnAt = Date.now()), { once: true }));
		await drawBox(maria);
		await expect(chenAnnotations).toHaveCount(before + 1);
		const drawnAt = await maria.evaluate(() => (window as unknown as { drawnAt: number }).drawnAt);
		expect((await seenAt) - drawnAt, 'her box on his screen, ms').toBeLessThan(liveMs);
		await expect(chenAnnotations.last()).toContainText('Maria Garcia');

		// Both reload: back into the call (she was admitted, so no waiting), the box is still there.
		await Promise.all([chen.reload(), maria.reload()]);
		await passDeviceCheck(chen, 'Join the call');
		await passDeviceCheck(maria, 'Go to the waiting room');
		for (const [page, author] of [[chen, 'Maria Garcia'], [maria, 'by you']] as const) {
			await expect(page.getByTestId('shared-report').getByTestId('annotation')).toHaveCount(before + 1);
			await expect(page.getByTestId('shared-report').getByTestId('annotation').last()).toContainText(author);
		}
		await expect(chen.getByRole('textbox', { name: /^Consult note/ })).toContainText(noteWords);
		await expectAccessible(chen, 'clinician in the call');

		const encounterId = (await chen.getByRole('link', { name: /^Open the note on its own page/ }).getAttribute('href'))!.split('/').pop()!;

		// He ends the visit; she is told.
		await chen.getByRole('button', { name: 'End the visit…' }).click();
		await chen.getByRole('button', { name: 'End for everyone' }).click();
		await expect(maria.getByRole('heading', { name: 'The video visit is over for you' })).toBeVisible();

		// The note is in Maria's visit history.
		await chen.goto(`/patients/${patientId}/visits`);
		await chen.locator(`a[href="/patients/${patientId}/visits/${encounterId}"]`).click();
		await expect(chen.getByTestId('visit-note')).toContainText(noteWords);
	} finally {
		await Promise.all([chenContext.close(), mariaContext.close()]);
	}
});
