import * as Y from 'yjs';
import type { z } from 'zod';
import { isLowercaseUuid } from './document-names';
import { jsonCopy, jsonEqual } from './plain-json';
import { describeShapeError, ShapeError } from './shape-issues';

/**
 * The building block of the structured documents (chart lists, plan goals, …): a root Y.Map of
 * entries keyed by UUID, each entry a Y.Map of plain field values. Fields live in their own
 * Y.Map, not in one JSON value, so two clinicians editing different fields of the same allergy
 * both keep their change.
 */
export type FieldMap = Y.Map<unknown>;
export type EntryMap = Y.Map<FieldMap>;
export type WithId<T> = T & { id: string };

export function fieldsOf(map: FieldMap): Record<string, unknown> {
	const fields: Record<string, unknown> = {};
	for (const [key, value] of map.entries()) fields[key] = value;
	return fields;
}

function definedFields(fields: object): [string, unknown][] {
	return Object.entries(fields).filter(([, value]) => value !== undefined);
}

/** The entries that match their schema; a broken one is left out rather than breaking a page. */
export function readEntries<T>(root: EntryMap, schema: z.ZodType<T>): WithId<T>[] {
	const entries: WithId<T>[] = [];
	for (const [id, entry] of root.entries()) {
		if (!(entry instanceof Y.Map)) continue;
		const parsed = schema.safeParse(fieldsOf(entry));
		if (parsed.success) entries.push({ ...parsed.data, id });
	}
	// Map order is the order updates arrived in, which differs between replicas: sort by id so
	// every reader sees the same order; screens sort by what clinicians care about.
	return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function checkEntries(root: EntryMap, schema: z.ZodType, label: string): string | null {
	for (const [id, entry] of root.entries()) {
		if (!isLowercaseUuid(id)) return `${label} "${id.slice(0, 40)}" does not have a valid id (a lowercase UUID).`;
		if (!(entry instanceof Y.Map)) return `${label} ${id} is not a set of fields.`;
		const fields = fieldsOf(entry);
		const parsed = schema.safeParse(fields);
		if (!parsed.success) return describeShapeError(`${label} ${id}`, parsed.error, fields);
	}
	return null;
}

/**
 * Creates the entry or changes only the fields that differ, in one transaction. The result is
 * validated first and a ShapeError thrown instead of writing what the server would refuse.
 */
export function upsertEntry<T extends object>(doc: Y.Doc, root: EntryMap, id: string, fields: Partial<T>, schema: z.ZodType<T>, label: string): void {
	if (!isLowercaseUuid(id)) throw new ShapeError(`${label} "${id}" does not have a valid id (a lowercase UUID).`);
	const existing = root.get(id);
	const merged = { ...(existing instanceof Y.Map ? fieldsOf(existing) : {}), ...Object.fromEntries(definedFields(fields)) };
	const parsed = schema.safeParse(merged);
	if (!parsed.success) throw new ShapeError(describeShapeError(`${label} ${id}`, parsed.error, merged));
	doc.transact(() => {
		if (!(existing instanceof Y.Map)) {
			root.set(id, new Y.Map(definedFields(parsed.data).map(([key, value]) => [key, jsonCopy(value)])));
			return;
		}
		for (const [key, value] of definedFields(fields)) {
			if (!jsonEqual(existing.get(key), value)) existing.set(key, jsonCopy(value));
		}
	});
}

export function removeEntry(doc: Y.Doc, root: EntryMap, id: string): void {
	if (root.has(id)) doc.transact(() => root.delete(id));
}

/** A flat map of fields (plan meta, note meta): parsed, or null while empty or broken. */
export function readFields<T>(map: FieldMap, schema: z.ZodType<T>): T | null {
	const parsed = schema.safeParse(fieldsOf(map));
	return parsed.success ? parsed.data : null;
}

/** Sets the given fields of a flat map after validating the result; unchanged fields are not written. */
export function setFields<T extends object>(doc: Y.Doc, map: FieldMap, fields: Partial<T>, schema: z.ZodType<T>, label: string): void {
	const merged = { ...fieldsOf(map), ...Object.fromEntries(definedFields(fields)) };
	const parsed = schema.safeParse(merged);
	if (!parsed.success) throw new ShapeError(describeShapeError(label, parsed.error, merged));
	doc.transact(() => {
		for (const [key, value] of definedFields(fields)) {
			if (!jsonEqual(map.get(key), value)) map.set(key, jsonCopy(value));
		}
	});
}

/** Makes `target` hold exactly `fields`, writing only the differences. */
export function restoreFields(target: FieldMap, fields: Record<string, unknown>): void {
	for (const key of [...target.keys()]) if (!(key in fields)) target.delete(key);
	for (const [key, value] of Object.entries(fields)) {
		if (!jsonEqual(target.get(key), value)) target.set(key, jsonCopy(value));
	}
}

/** Makes the target entry map equal to the version's: entries gone from the version are deleted. */
export function restoreEntries(target: EntryMap, version: EntryMap): void {
	for (const id of [...target.keys()]) if (!version.has(id)) target.delete(id);
	for (const [id, versionEntry] of version.entries()) {
		if (!(versionEntry instanceof Y.Map)) continue;
		const fields = fieldsOf(versionEntry);
		const current = target.get(id);
		if (current instanceof Y.Map) restoreFields(current, fields);
		else target.set(id, new Y.Map(Object.entries(fields).map(([key, value]) => [key, jsonCopy(value)])));
	}
}
