import { expect, test, type Locator, type Page } from '@playwright/test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { checkPage, demoAccounts, signIn, waitForHydration } from './support';

/**
 * A report reopened with its annotations, outside a call: Dr. Chen uploads a two-page PDF to
 * Maria Garcia's chart — Maria cannot see it — shares it with her and draws a rectangle; Maria
 * opens it in the portal, sees his mark, draws with ink and leaves a comment by keyboard; each
 * sees the other's marks arrive live, and after both reload everything is still there,
 * attributed. (The in-call journey, with the report shared into the call, is consult.spec.ts.)
 */

/** The bound for an annotation to reach the other person. */
const liveMs = 1_000;

async function twoPagePdf(title: string): Promise<Buffer> {
	const pdf = await PDFDocument.create();
	const font = await pdf.embedFont(StandardFonts.Helvetica);
	for (const text of [`${title}: results`, `${title}: interpretation`]) pdf.addPage([612, 792]).drawText(text, { x: 56, y: 720, size: 14, font });
	return Buffer.from(await pdf.save());
}

/** Drags across the report's page from one fraction of it to another (pointer events, as a hand would). */
async function drag(page: Page, overlay: Locator, from: [number, number], to: [number, number], steps = 6): Promise<void> {
	await overlay.scrollIntoViewIfNeeded();
	const box = (await overlay.boundingBox())!;
	await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
	await page.mouse.down();
	// By a point off the straight line, so an ink stroke has a bend.
	await page.mouse.move(box.x + (box.width * (from[0] + to[0])) / 2, box.y + box.height * ((from[1] + to[1]) / 2 + 0.03), { steps });
	await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps });
	await page.mouse.up();
}

test('a shared report keeps its annotations: drawn live by both sides, attributed, still there after a reload', async ({ browser }) => {
	test.setTimeout(120_000);
	// Tall enough that a whole letter-size page fits: a drag must stay on the screen.
	const viewport = { width: 1280, height: 1400 };
	const chenContext = await browser.newContext({ viewport });
	const mariaContext = await browser.newContext({ viewport });
	try {
		const chen = await chenContext.newPage();
		const maria = await mariaContext.newPage();
		await signIn(chen, demoAccounts.physician);
		await signIn(maria, demoAccounts.patient);

		// Dr. Chen uploads a report to Maria's chart.
		const title = `Kidney panel ${Date.now()}`;
		await chen.goto(`/patients?q=${encodeURIComponent('Maria Garcia')}`);
		await chen.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ }).first().click();
		await expect(chen).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
		await waitForHydration(chen);
		await chen.getByLabel('Title').fill(title);
		await chen.getByLabel('File').setInputFiles({ name: 'kidney-panel.pdf', mimeType: 'application/pdf', buffer: await twoPagePdf(title) });
		await chen.getByRole('button', { name: 'Upload document' }).click();
		await expect(chen.getByRole('status').filter({ hasText: 'was uploaded' })).toBeVisible();

		// Not shared yet: the portal neither lists it nor opens it.
		await maria.goto('/portal');
		await expect(maria.getByRole('heading', { name: 'Documents' })).toBeVisible();
		await expect(maria.getByText(title)).toHaveCount(0);

		await chen.getByRole('link', { name: `Annotations on ${title}` }).click();
		await expect(chen).toHaveURL(/\/patients\/[0-9a-f-]{36}\/reports\/[0-9a-f-]{36}$/);
		const reportPath = new URL(chen.url()).pathname;
		const documentId = reportPath.split('/').pop()!;
		const hidden = await maria.goto(`/portal/reports/${documentId}`);
		expect(hidden?.status()).toBe(404);

		await waitForHydration(chen);
		await chen.getByRole('button', { name: 'Share with the patient' }).click();
		await expect(chen.getByRole('status').filter({ hasText: 'The report is shared' })).toBeVisible();
		const chenReport = chen.getByTestId('shared-report');
		await expect(chenReport.getByTestId('annotation-status')).toHaveText(/^Live/);
		await expect(chenReport.getByText('Page 1 of 2')).toBeVisible();

		// He draws a rectangle on page 1.
		await chenReport.getByRole('button', { name: 'Rectangle' }).click();
		await expect(chenReport.getByRole('button', { name: 'Rectangle' })).toHaveAttribute('aria-pressed', 'true');
		const chenOverlay = chenReport.getByTestId('annotation-overlay');
		await drag(chen, chenOverlay, [0.1, 0.1], [0.5, 0.2]);
		await expect(chenReport.getByTestId('annotation')).toHaveText([/Rectangle by you/]);

		// Maria finds it in the portal now, and opens it with the doctor's mark.
		await maria.goto('/portal');
		await maria.getByRole('link', { name: `Annotations on ${title}` }).click();
		await expect(maria).toHaveURL(new RegExp(`/portal/reports/${documentId}`));
		await waitForHydration(maria);
		const mariaReport = maria.getByTestId('shared-report');
		await expect(mariaReport.getByTestId('annotation-status')).toHaveText(/^Live/);
		await expect(mariaReport.getByTestId('annotation')).toHaveText([/Rectangle by Dr\. Emily Chen/]);
		await expect(mariaReport.locator('[data-testid="annotation-overlay"] [data-kind="rectangle"]')).toHaveCount(1);

		// She draws with ink; he sees it within a second, without reloading.
		await mariaReport.getByRole('button', { name: 'Ink' }).click();
		await drag(maria, mariaReport.getByTestId('annotation-overlay'), [0.2, 0.3], [0.6, 0.35], 10);
		await expect(mariaReport.getByTestId('annotation').filter({ hasText: 'Ink by you' })).toHaveCount(1);
		await expect(chenReport.getByTestId('annotation').filter({ hasText: 'Ink by Maria Garcia' })).toHaveCount(1, { timeout: liveMs });
		await expect(chenOverlay.locator('[data-kind="ink"]')).toHaveCount(1, { timeout: liveMs });

		// A comment by keyboard only: the field, then the button.
		await mariaReport.getByLabel('Comment on page 1').fill('Is this creatinine value normal for me?');
		await mariaReport.getByRole('button', { name: 'Add comment' }).press('Enter');
		await expect(chenReport.getByTestId('annotation').filter({ hasText: 'Comment by Maria Garcia' })).toContainText('Is this creatinine value normal for me?', { timeout: liveMs });

		// Both reload: everything is still there, in order, attributed.
		await Promise.all([chen.reload(), maria.reload()]);
		await expect(chenReport.getByTestId('annotation')).toHaveText([/Rectangle by you/, /Ink by Maria Garcia/, /Comment by Maria Garcia.*creatinine/s]);
		await expect(mariaReport.getByTestId('annotation')).toHaveText([/Rectangle by Dr\. Emily Chen/, /Ink by you/, /Comment by you.*creatinine/s]);

		// Turning the page shows page 2 without the page-1 marks on it.
		await waitForHydration(chen);
		await chenReport.getByRole('button', { name: 'Next page' }).click();
		await expect(chenReport.getByText('Page 2 of 2')).toBeVisible();
		await expect(chenOverlay.locator('[data-annotation]')).toHaveCount(0);

		await checkPage(chen, 'report with annotations, care team');
		await checkPage(maria, 'report with annotations, portal');
	} finally {
		await chenContext.close();
		await mariaContext.close();
	}
});
