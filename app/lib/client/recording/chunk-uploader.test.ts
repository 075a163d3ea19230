import { describe, expect, it } from 'vitest';
import { ChunkUploader, type UploadFetch } from './chunk-uploader';

function fakeServer(answers: (seq: number, attempt: number) => Response | 'network') {
	const received: number[] = [];
	const attempts = new Map<number, number>();
	const fetch: UploadFetch = async (input) => {
		const seq = Number(new URL(input, 'http://x').searchParams.get('seq'));
		const attempt = (attempts.get(seq) ?? 0) + 1;
		attempts.set(seq, attempt);
		const answer = answers(seq, attempt);
		if (answer === 'network') throw new TypeError('Failed to fetch');
		if (answer.ok) received.push(seq);
		return answer;
	};
	return { fetch, received, attempts };
}

const ok = () => new Response(JSON.stringify({ stored: true }), { status: 201 });
const noSleep = async () => {};

describe('ChunkUploader', () => {
	it('sends pieces in order, numbered from 0, retrying passing failures', async () => {
		const server = fakeServer((seq, attempt) => (seq === 1 && attempt === 1 ? 'network' : seq === 2 && attempt < 3 ? new Response('{}', { status: 503 }) : ok()));
		const uploader = new ChunkUploader({ path: '/api/consults/c/recordings/r/chunks', fetch: server.fetch, sleep: noSleep });
		for (const text of ['a', 'b', 'c', 'd']) uploader.add(new Blob([text]));
		await uploader.flush();
		expect(server.received).toEqual([0, 1, 2, 3]);
		expect(server.attempts.get(2)).toBe(3);
		expect(uploader.failed).toBeNull();
		expect(uploader.uploaded).toBe(4);
	});

	it('stops at a refusal with the server’s sentence and sends nothing after it', async () => {
		const problems: string[] = [];
		const server = fakeServer((seq) => (seq === 1 ? new Response(JSON.stringify({ message: 'This recording has stopped.' }), { status: 409 }) : ok()));
		const uploader = new ChunkUploader({ path: '/p', fetch: server.fetch, sleep: noSleep, onProblem: (m) => problems.push(m) });
		for (const text of ['a', 'b', 'c']) uploader.add(new Blob([text]));
		await uploader.flush();
		uploader.add(new Blob(['d']));
		await uploader.flush();
		expect(server.received).toEqual([0]);
		expect(problems).toEqual(['This recording has stopped.']);
		expect(uploader.failed).toBe('This recording has stopped.');
	});

	it('gives up on a piece after its tries', async () => {
		const server = fakeServer(() => 'network');
		const uploader = new ChunkUploader({ path: '/p', fetch: server.fetch, sleep: noSleep, maxAttempts: 3 });
		uploader.add(new Blob(['a']));
		await uploader.flush();
		expect(server.attempts.get(0)).toBe(3);
		expect(uploader.failed).toMatch(/could not be saved/);
	});
});
