import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sessionRefusedMessage } from './realtime-connection';
import { SessionEndWatch } from './session-end-watch';

/** A socket as the watch sees it: events, and whether socket.io will reconnect by itself. */
class FakeSocket extends EventEmitter {
	active = true;
}

function watched() {
	const socket = new FakeSocket();
	let ended = 0;
	const watch = new SessionEndWatch(() => (ended += 1));
	const detach = watch.attach(socket);
	return { socket, watch, detach, ended: () => ended };
}

describe('SessionEndWatch', () => {
	it('ends once when the server says the session ended', () => {
		const { socket, ended } = watched();
		socket.emit('session:ended', { reason: 'Your session has ended. Sign in again to continue.' });
		socket.emit('session:ended', { reason: 'Your session has ended. Sign in again to continue.' });
		expect(ended()).toBe(1);
	});

	it('ends when a reconnect is refused for want of a session', () => {
		const { socket, ended } = watched();
		socket.active = false;
		socket.emit('connect_error', new Error(sessionRefusedMessage));
		expect(ended()).toBe(1);
	});

	it('does not end on a transport error or a refusal that will be retried', () => {
		const { socket, ended } = watched();
		socket.emit('connect_error', new Error('websocket error'));
		socket.active = false;
		socket.emit('connect_error', new Error('Could not check your session. Try again.'));
		expect(ended()).toBe(0);
	});

	it('lets the tab’s own sign-out or automatic logoff navigate by itself', () => {
		const { socket, watch, ended } = watched();
		watch.leaving();
		socket.emit('session:ended', { reason: 'Your session has ended. Sign in again to continue.' });
		expect(ended()).toBe(0);
	});

	it('stops listening when detached', () => {
		const { socket, detach, ended } = watched();
		detach();
		socket.emit('session:ended', { reason: 'Your session has ended. Sign in again to continue.' });
		expect(ended()).toBe(0);
		expect(socket.listenerCount('session:ended') + socket.listenerCount('connect_error')).toBe(0);
	});
});
