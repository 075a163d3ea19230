import type * as Y from 'yjs';
import { chartList, chartLists, chartSectionKeys, chartSections, readChart, type ChartContent, type ChartList, type ChartSectionKey } from '$lib/collab/chart-shape';

/**
 * The chart document as the page reads it: the lists as plain values, refreshed when (and
 * only when) that list changes, and the shared texts of the free-text sections, re-read when
 * one is replaced (a restore may put a new text in its place).
 */
export class ChartView {
	lists = $state.raw<Pick<ChartContent, ChartList>>({ problems: [], allergies: [], medications: [] });
	sectionTexts = $state.raw<Partial<Record<ChartSectionKey, Y.Text>>>({});
	/** Something is in the document: loaded from the server or from the offline copy. */
	hasContent = $state(false);

	#stop: (() => void)[] = [];

	constructor(private readonly doc: Y.Doc) {
		this.#readAll();
		for (const list of chartLists) {
			const map = chartList(doc, list);
			const refresh = () => {
				this.lists = { ...this.lists, [list]: readChart(doc)[list] };
				this.hasContent = true;
			};
			map.observeDeep(refresh);
			this.#stop.push(() => map.unobserveDeep(refresh));
		}
		const sections = chartSections(doc);
		const refreshSections = () => {
			this.sectionTexts = readSectionTexts(doc);
			this.hasContent = true;
		};
		sections.observe(refreshSections);
		this.#stop.push(() => sections.unobserve(refreshSections));
	}

	#readAll(): void {
		const content = readChart(this.doc);
		this.lists = { problems: content.problems, allergies: content.allergies, medications: content.medications };
		this.sectionTexts = readSectionTexts(this.doc);
		this.hasContent = chartLists.some((list) => content[list].length > 0) || chartSections(this.doc).size > 0;
	}

	destroy(): void {
		for (const stop of this.#stop) stop();
		this.#stop = [];
	}
}

function readSectionTexts(doc: Y.Doc): Partial<Record<ChartSectionKey, Y.Text>> {
	const sections = chartSections(doc);
	const texts: Partial<Record<ChartSectionKey, Y.Text>> = {};
	for (const key of chartSectionKeys) {
		const text = sections.get(key);
		if (text) texts[key] = text;
	}
	return texts;
}
