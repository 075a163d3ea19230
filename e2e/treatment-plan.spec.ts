import { expect, test } from '@playwright/test';
import { checkPage, demoAccounts, signIn, waitForHydration } from './support';

/**
 * The treatment plan tracker: Dr. Chen starts a plan for Maria Garcia with a blood pressure goal
 * and a medication schedule; Maria, in another browser, has the plan open in the portal and sees
 * the doctor's change to the goal arrive without reloading; she records a dose and a home
 * reading, and the chart shows it. Both pages pass axe and fit a 360 px phone.
 */

/** "Within a few seconds": the plan reaches the patient over the live document. */
const liveMs = 5_000;

test('a clinician builds a plan live; the patient follows it, records a dose and a reading', async ({ browser }) => {
	// Two browsers, and axe at two widths on both pages: longer than the default budget.
	test.setTimeout(180_000);
	const chenContext = await browser.newContext();
	const mariaContext = await browser.newContext();
	try {
		const chen = await chenContext.newPage();
		const maria = await mariaContext.newPage();
		await signIn(chen, demoAccounts.physician);
		await signIn(maria, demoAccounts.patient);

		// Dr. Chen starts the plan from Maria's overview.
		await chen.goto(`/patients?q=${encodeURIComponent('Maria Garcia')}`);
		await chen.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ }).first().click();
		await expect(chen).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
		await chen.getByRole('link', { name: 'Treatment plans' }).click();
		// A client-side navigation: the page is hydrated already, so wait for the new page itself.
		await expect(chen.getByRole('heading', { level: 1, name: 'Treatment plans: Maria Garcia' })).toBeVisible();
		const title = `Blood pressure plan ${Date.now()}`;
		await chen.getByLabel('Title').fill(title);
		await chen.getByRole('button', { name: 'Create plan' }).click();
		await expect(chen).toHaveURL(/\/plans\/[0-9a-f-]{36}$/);
		await waitForHydration(chen);
		await expect(chen.getByRole('heading', { level: 1, name: title })).toBeVisible();
		await expect(chen.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
		const startDate = await chen.getByLabel('Start date').inputValue();

		// A goal: lower the top number from 150 to 130 mmHg.
		const goals = chen.getByRole('region', { name: 'Goals' });
		const addGoal = goals.getByRole('form', { name: 'Add a goal' });
		await addGoal.getByLabel('Goal', { exact: true }).fill('Lower my blood pressure');
		await addGoal.getByLabel('Baseline').fill('150');
		await addGoal.getByLabel('Target', { exact: true }).fill('130');
		await addGoal.getByRole('button', { name: 'Add goal' }).click();
		await expect(goals.getByRole('group', { name: 'Lower my blood pressure' })).toBeVisible();

		// A medication taken at midnight, so today's first dose is already due whatever the hour.
		const schedule = chen.getByRole('region', { name: 'Medication schedule' });
		const addMedication = schedule.getByRole('form', { name: 'Add a medication' });
		await addMedication.getByLabel('Medication').fill('Lisinopril');
		await addMedication.getByLabel('Dose').fill('10 mg');
		await addMedication.getByLabel('Times').fill('00:00');
		await addMedication.getByLabel('First day').fill(startDate);
		await addMedication.getByRole('button', { name: 'Add medication' }).click();
		await expect(schedule.getByRole('group', { name: 'Lisinopril' })).toBeVisible();
		await expect(chen.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
		await checkPage(chen, 'treatment plan, care team');

		// Maria opens the plan in the portal.
		await maria.goto('/portal');
		await maria.getByRole('link', { name: 'Treatment plans' }).click();
		await maria.getByRole('link', { name: title }).click();
		await expect(maria).toHaveURL(/\/portal\/plans\/[0-9a-f-]{36}$/);
		await waitForHydration(maria);
		const mariaGoals = maria.getByTestId('plan-goals');
		await expect(mariaGoals).toContainText('Lower my blood pressure');
		await expect(mariaGoals).toContainText('to 130 mmHg');
		await expect(maria.getByText('Shows changes from your care team as they happen')).toBeVisible();
		// A marker that a reload would wipe: the change must arrive on this very page.
		await maria.evaluate(() => ((window as unknown as { planMarker: number }).planMarker = 1));

		// Dr. Chen tightens the target; Maria sees it within seconds.
		const goal = goals.getByRole('group', { name: 'Lower my blood pressure' });
		await goal.getByLabel('Target', { exact: true }).fill('125');
		await goal.getByLabel('Target', { exact: true }).press('Tab');
		await expect(mariaGoals).toContainText('to 125 mmHg', { timeout: liveMs });
		expect(await maria.evaluate(() => (window as unknown as { planMarker?: number }).planMarker)).toBe(1);

		// She takes today's dose…
		const doses = maria.getByRole('region', { name: 'Today’s doses' });
		const firstDose = doses.getByTestId('dose').first();
		await expect(firstDose).toContainText('Lisinopril');
		await firstDose.getByRole('button', { name: /^Taken/ }).click();
		await expect(doses.getByRole('status')).toHaveText('Dose recorded as taken.');
		await expect(doses.getByTestId('dose').first()).toContainText('Taken');
		await expect(maria.getByTestId('adherence-week')).toHaveText('100%');

		// …and a home reading, which the chart shows.
		const reading = maria.getByRole('form', { name: 'Blood pressure, top number (systolic)' });
		await reading.getByLabel(/^Value/).fill('142');
		await reading.getByRole('button', { name: /^Save reading/ }).click();
		await expect(reading.getByRole('status')).toHaveText('Reading saved.');
		await expect(maria.getByRole('img', { name: /latest 142 mmHg/ })).toBeVisible();
		await maria.getByText('Readings as a table').first().click();
		await expect(maria.getByRole('region', { name: /readings$/ }).first()).toContainText('142 mmHg');
		await checkPage(maria, 'treatment plan, portal');

		// The care team sees the reading on the plan too.
		await chen.reload();
		await waitForHydration(chen);
		await expect(chen.getByRole('img', { name: /latest 142 mmHg/ })).toBeVisible();
	} finally {
		await chenContext.close();
		await mariaContext.close();
	}
});
