/**
 * The pages of a shared report, for SharedReport.svelte: a PDF through pdf.js (loaded only when
 * a PDF is shown; the worker is served from this origin, as in chat's previews) or an image.
 * Each page has a size in page units — points for a PDF (as pdf.js lays the page out at scale
 * 1), pixels for an image — which is the space annotations are stored in, so a mark stays on
 * the same spot whatever the screen.
 */
type PdfJs = typeof import('pdfjs-dist');
type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;

let pdfjs: Promise<PdfJs> | null = null;

function loadPdfJs(): Promise<PdfJs> {
	pdfjs ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]).then(([module, worker]) => {
		module.GlobalWorkerOptions.workerSrc = worker.default;
		return module;
	});
	pdfjs.catch(() => (pdfjs = null));
	return pdfjs;
}

export interface PageSize {
	width: number;
	height: number;
}

export interface ReportPages {
	readonly pageCount: number;
	/** The page's size in page units (1-based page). */
	size(page: number): Promise<PageSize>;
	/** Draws the page into the canvas at `cssWidth` CSS pixels wide (sharp on high-density screens). */
	render(page: number, canvas: HTMLCanvasElement, cssWidth: number): Promise<void>;
	destroy(): void;
}

/** A report could not be fetched or read; the message is for the person looking. */
export class ReportUnavailable extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ReportUnavailable';
	}
}

async function fetchBytes(src: string, signal?: AbortSignal): Promise<Uint8Array> {
	let response: Response;
	try {
		response = await fetch(src, { credentials: 'same-origin', signal });
	} catch (cause) {
		if (signal?.aborted) throw cause;
		throw new ReportUnavailable('The report could not be downloaded. Check your connection and try again.');
	}
	if (response.status === 403 || response.status === 404) throw new ReportUnavailable('This report is not available to you.');
	if (!response.ok) throw new ReportUnavailable('The report could not be downloaded. Try again in a moment.');
	return new Uint8Array(await response.arrayBuffer());
}

export async function openPdfPages(src: string, signal?: AbortSignal): Promise<ReportPages> {
	const [{ getDocument }, data] = await Promise.all([loadPdfJs(), fetchBytes(src, signal)]);
	let pdf: PdfDocument;
	try {
		// Scripts in the PDF do not run (no eval, no XFA); links are not followed.
		pdf = await getDocument({ data, isEvalSupported: false, enableXfa: false }).promise;
	} catch {
		throw new ReportUnavailable('This PDF could not be read.');
	}
	const sizes = new Map<number, PageSize>();
	let rendering: { cancel(): void } | null = null;
	return {
		pageCount: pdf.numPages,
		async size(page) {
			const known = sizes.get(page);
			if (known) return known;
			const viewport = (await pdf.getPage(page)).getViewport({ scale: 1 });
			const size = { width: viewport.width, height: viewport.height };
			sizes.set(page, size);
			return size;
		},
		async render(page, canvas, cssWidth) {
			rendering?.cancel();
			const pdfPage = await pdf.getPage(page);
			const unscaled = pdfPage.getViewport({ scale: 1 });
			const ratio = typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1;
			const viewport = pdfPage.getViewport({ scale: (cssWidth / unscaled.width) * ratio });
			canvas.width = Math.floor(viewport.width);
			canvas.height = Math.floor(viewport.height);
			const task = pdfPage.render({ canvas, viewport });
			rendering = task;
			try {
				await task.promise;
			} catch (cause) {
				// A newer render (another page, a resize) replaced this one.
				if ((cause as { name?: string } | null)?.name === 'RenderingCancelledException') return;
				throw cause;
			} finally {
				if (rendering === task) rendering = null;
			}
		},
		destroy() {
			rendering?.cancel();
			void pdf.destroy();
		}
	};
}

/** An image is one page, its size in pixels; the <img> shows it, so render draws nothing. */
export async function openImagePages(src: string, signal?: AbortSignal): Promise<ReportPages & { url: string }> {
	const bytes = await fetchBytes(src, signal);
	const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)]));
	const image = new Image();
	image.src = url;
	try {
		await image.decode();
	} catch {
		URL.revokeObjectURL(url);
		throw new ReportUnavailable('This image could not be read.');
	}
	const size = { width: image.naturalWidth, height: image.naturalHeight };
	return {
		pageCount: 1,
		url,
		size: async () => size,
		render: async () => {},
		destroy: () => URL.revokeObjectURL(url)
	};
}

export const isPdf = (contentType: string) => contentType === 'application/pdf';
