import { expect, test, type Page, type WebSocket } from '@playwright/test';
import { checkPage, demoAccounts, signIn, waitForHydration } from './support';

/**
 * The navigation follows the person's session and notifications without a reload:
 *  - Maria Garcia has the portal open; she signs out everywhere from another browser, and the
 *    open page goes to the sign-in page by itself. Her own "Sign out" is not mistaken for that.
 *  - Dr. Chen changes a treatment plan of Maria's; when the care team's change is announced
 *    (a debounce: two minutes by default, 5 s on the e2e servers via PLAN_NOTICE_DELAY_SECONDS), the unread count in the portal's
 *    navigation goes up on the open page, and a screen reader hears of it.
 */

/**
 * The socket.io websockets the page opens (a full navigation opens a new one) and the frames each
 * receives, recorded from the socket's creation on, so that no early frame is missed.
 */
class RealtimeSockets {
	readonly opened: { socket: WebSocket; frames: string[] }[] = [];

	constructor(page: Page) {
		page.on('websocket', (socket) => {
			if (!socket.url().includes('/socket.io/')) return;
			const entry = { socket, frames: [] as string[] };
			socket.on('framereceived', (frame) => entry.frames.push(String(frame.payload)));
			this.opened.push(entry);
		});
	}

	/** The page's current socket: the newest (an older one belonged to a page since left). */
	get current(): { socket: WebSocket; frames: string[] } | undefined {
		return this.opened.at(-1);
	}
}

/** Opens `path` and waits until the page's socket passed the server's session check. */
async function openWithRealtime(page: Page, sockets: RealtimeSockets, path: string): Promise<{ socket: WebSocket; frames: string[] }> {
	await page.goto(path);
	await waitForHydration(page);
	// socket.io's connect packet, sent after the handshake's session check, is '40{…}'.
	await expect.poll(() => !!sockets.current && !sockets.current.socket.isClosed() && sockets.current.frames.some((f) => f.startsWith('40'))).toBe(true);
	return sockets.current!;
}

/** The unread count the navigation's notifications link names ("Notifications (2 unread)"). */
async function unreadInNavigation(page: Page): Promise<number> {
	const name = (await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Notifications/ }).getAttribute('aria-label')) ?? '';
	return Number(/\((\d+) unread\)/.exec(name)?.[1] ?? 0);
}

test('signing out everywhere takes the portal page that is open elsewhere to the sign-in page', async ({ browser }) => {
	const openContext = await browser.newContext();
	const otherContext = await browser.newContext();
	try {
		const open = await openContext.newPage();
		const sockets = new RealtimeSockets(open);
		await signIn(open, demoAccounts.patient);
		const connection = await openWithRealtime(open, sockets, '/portal');
		await expect(open.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Notifications/ })).toHaveAttribute('href', '/portal/notifications');
		await checkPage(open, 'portal with the live notifications link');

		// Another browser: the account page's "sign out everywhere".
		const other = await otherContext.newPage();
		await signIn(other, demoAccounts.patient);
		await other.goto('/account');
		await waitForHydration(other);
		await other.getByRole('button', { name: 'Sign out everywhere, including here' }).click();
		await expect(other).toHaveURL(/\/sign-in$/);

		// The open page was told, and leaves by itself: nothing is clicked or reloaded there.
		await expect.poll(() => connection.frames.some((f) => f.includes('"session:ended"'))).toBe(true);
		await expect(open).toHaveURL(/\/sign-in\?reason=ended$/);
		await expect(open.getByRole('heading', { level: 1 })).toBeVisible();
		await expect(open.getByText('Your session ended: you were signed out on another device')).toBeVisible();

		// Her own sign-out also ends the session on the server; that is not "ended elsewhere".
		await signIn(open, demoAccounts.patient);
		await openWithRealtime(open, sockets, '/portal');
		await open.getByRole('button', { name: 'Sign out' }).click();
		await expect(open).toHaveURL(/\/sign-in$/);
	} finally {
		await openContext.close();
		await otherContext.close();
	}
});

test('a care team’s change to a treatment plan reaches the open portal’s unread count', async ({ browser }) => {
	// The notice waits until the clinicians stopped editing (PLAN_NOTICE_DELAY_SECONDS, 5 s on the e2e servers).
	test.setTimeout(120_000);
	const chenContext = await browser.newContext();
	const mariaContext = await browser.newContext();
	try {
		const maria = await mariaContext.newPage();
		const sockets = new RealtimeSockets(maria);
		await signIn(maria, demoAccounts.patient);
		await openWithRealtime(maria, sockets, '/portal');
		const before = await unreadInNavigation(maria);
		// A marker that a reload would wipe: the count must change on this very page.
		await maria.evaluate(() => ((window as unknown as { liveMarker: number }).liveMarker = 1));

		// Dr. Chen starts a plan for Maria and gives it a goal.
		const chen = await chenContext.newPage();
		await signIn(chen, demoAccounts.physician);
		await chen.goto(`/patients?q=${encodeURIComponent('Maria Garcia')}`);
		await chen.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ }).first().click();
		await expect(chen).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
		await chen.getByRole('link', { name: 'Treatment plans' }).click();
		await expect(chen.getByRole('heading', { level: 1, name: 'Treatment plans: Maria Garcia' })).toBeVisible();
		const title = `Walking plan ${Date.now()}`;
		await chen.getByLabel('Title').fill(title);
		await chen.getByRole('button', { name: 'Create plan' }).click();
		await expect(chen).toHaveURL(/\/plans\/[0-9a-f-]{36}$/);
		await waitForHydration(chen);
		const addGoal = chen.getByRole('region', { name: 'Goals' }).getByRole('form', { name: 'Add a goal' });
		await addGoal.getByLabel('Goal', { exact: true }).fill('Walk every day');
		await addGoal.getByLabel('Baseline').fill('2000');
		await addGoal.getByLabel('Target', { exact: true }).fill('6000');
		await addGoal.getByRole('button', { name: 'Add goal' }).click();
		await expect(chen.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

		// Seconds later the notice goes out, and Maria's open page counts it.
		const navigation = maria.getByRole('navigation', { name: 'Main' });
		await expect(navigation.getByRole('link', { name: `Notifications (${before + 1} unread)` })).toBeVisible({ timeout: 30_000 });
		await expect(maria.getByText(`New notification: Treatment plan updated (${before + 1} unread)`)).toBeAttached();
		expect(await maria.evaluate(() => (window as unknown as { liveMarker?: number }).liveMarker)).toBe(1);
		await checkPage(maria, 'portal with an unread notification');

		// The link leads to the notice; "mark all as read" clears the count.
		await navigation.getByRole('link', { name: /^Notifications/ }).click();
		await expect(maria.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
		await expect(maria.getByText(`The care team updated “${title}”. Open it to see what changed.`)).toBeVisible();
		await maria.getByRole('button', { name: 'Mark all as read' }).click();
		await expect(navigation.getByRole('link', { name: 'Notifications', exact: true })).toBeVisible();
	} finally {
		await chenContext.close();
		await mariaContext.close();
	}
});
