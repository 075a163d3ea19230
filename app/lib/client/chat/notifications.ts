/**
 * Browser (system) notifications for new messages. They never carry content, a sender or a
 * patient: the lock screen of a shared workstation or phone is not a private place. The tag is
 * the conversation id, so several messages in one conversation replace one notification.
 */
import type { ChatNotificationSettings } from '$lib/chat/protocol';

export const notificationTitle = 'New secure message';
export const notificationBody = 'Open ClinicSync to read it.';

export interface NotificationConditions {
	pageHidden: boolean;
	settings: ChatNotificationSettings | null;
	permission: NotificationPermission | 'unsupported';
	kind: keyof ChatNotificationSettings['kinds'];
}

/** Only when the page is in the background, the person turned browser notifications on (and this kind), and the browser allows it. */
export function shouldNotify(conditions: NotificationConditions): boolean {
	if (!conditions.pageHidden || conditions.permission !== 'granted' || !conditions.settings) return false;
	return conditions.settings.browser && conditions.settings.kinds[conditions.kind] !== false;
}

export function notificationPermission(): NotificationPermission | 'unsupported' {
	return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the browser for permission (call from a click: browsers ignore it otherwise). */
export async function requestNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
	if (typeof Notification === 'undefined') return 'unsupported';
	if (Notification.permission !== 'default') return Notification.permission;
	return Notification.requestPermission();
}

/** On 'chat:notify'. Returns whether a notification was shown. */
export function notifyNewMessage(payload: { conversationId: string; kind: NotificationConditions['kind'] }, settings: ChatNotificationSettings | null): boolean {
	const conditions: NotificationConditions = {
		pageHidden: typeof document !== 'undefined' && document.visibilityState === 'hidden',
		settings,
		permission: notificationPermission(),
		kind: payload.kind
	};
	if (!shouldNotify(conditions)) return false;
	try {
		const notification = new Notification(notificationTitle, { body: notificationBody, tag: payload.conversationId });
		notification.onclick = () => {
			// Focus only: the page the person was on decides where messages open (staff or portal).
			window.focus();
			notification.close();
		};
		return true;
	} catch {
		// Some mobile browsers allow notifications only from a service worker.
		return false;
	}
}
