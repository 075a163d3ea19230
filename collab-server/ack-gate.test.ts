import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { AckGatedSocket } from './ack-gate';
import { messageTypes } from './protocol';

const frame = (documentName: string, type: number, body = 1) => {
	const encoder = encoding.createEncoder();
	encoding.writeVarString(encoder, documentName);
	encoding.writeVarUint(encoder, type);
	encoding.writeVarUint(encoder, body);
	return encoding.toUint8Array(encoder);
};

class RecordingSocket {
	readyState = 1;
	sent: Uint8Array[] = [];
	send(data: Uint8Array) {
		this.sent.push(data);
	}
	close() {}
}

const deferred = () => {
	let resolve!: () => void;
	const promise = new Promise<void>((r) => (resolve = r));
	return { promise, resolve };
};

describe('the acknowledgement gate', () => {
	it('holds "saved" until the document is durable, in order, and lets every other frame through at once', async () => {
		const socket = new RecordingSocket();
		const durable = [deferred(), deferred()];
		let calls = 0;
		const gate = new AckGatedSocket(socket, () => durable[calls++]!.promise);

		const firstAck = frame('note:a', messageTypes.syncStatus, 1);
		const update = frame('note:a', messageTypes.sync, 2);
		const secondAck = frame('note:a\u0000session', messageTypes.syncStatus, 1);
		gate.send(firstAck);
		gate.send(update);
		gate.send(secondAck);
		expect(socket.sent).toEqual([update]);

		// The second becomes durable first; it still waits for the first.
		durable[1]!.resolve();
		await Promise.resolve();
		await new Promise((r) => setTimeout(r, 0));
		expect(socket.sent).toEqual([update]);
		durable[0]!.resolve();
		await new Promise((r) => setTimeout(r, 0));
		expect(socket.sent).toEqual([update, firstAck, secondAck]);
	});

	it('drops an acknowledgement whose socket closed meanwhile', async () => {
		const socket = new RecordingSocket();
		const durable = deferred();
		const gate = new AckGatedSocket(socket, () => durable.promise);
		gate.send(frame('note:a', messageTypes.syncStatus));
		socket.readyState = 3;
		durable.resolve();
		await new Promise((r) => setTimeout(r, 0));
		expect(socket.sent).toEqual([]);
	});
});
