import type { NodeSettings } from './types.js';

/**
 * Setting checks for `NodeType.check`: each returns the problems it finds, as sentences that name
 * the node type and the setting (the catalog adds the tree and node id).
 */

const shown = (value: unknown) => JSON.stringify(value) ?? String(value);

export function optionalString(type: string, settings: NodeSettings, name: string): string[] {
  const value = settings[name];
  return value === undefined || typeof value === 'string'
    ? []
    : [`${type} "${name}" must be a string, not ${shown(value)}`];
}

export function requiredString(type: string, settings: NodeSettings, name: string, what: string): string[] {
  const value = settings[name];
  return typeof value === 'string' && value.trim() !== ''
    ? []
    : [`${type} needs "${name}": ${what}${value === undefined ? '' : `, not ${shown(value)}`}`];
}

export function optionalBoolean(type: string, settings: NodeSettings, name: string): string[] {
  const value = settings[name];
  return value === undefined || typeof value === 'boolean'
    ? []
    : [`${type} "${name}" must be true or false, not ${shown(value)}`];
}

/** A whole number of at least 0 (a length or a count). */
export function optionalCount(type: string, settings: NodeSettings, name: string): string[] {
  const value = settings[name];
  return value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0)
    ? []
    : [`${type} "${name}" must be a whole number (0 or more), not ${shown(value)}`];
}

export function optionalStringList(type: string, settings: NodeSettings, name: string): string[] {
  const value = settings[name];
  return value === undefined || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    ? []
    : [`${type} "${name}" must be a list of strings, not ${shown(value)}`];
}

/** An object whose values are all strings (`{}` allowed). */
export function optionalStringMap(type: string, settings: NodeSettings, name: string): string[] {
  const value = settings[name];
  const ok =
    value === undefined ||
    (typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((v) => typeof v === 'string'));
  return ok ? [] : [`${type} "${name}" must be an object of strings, not ${shown(value)}`];
}

export function optionalObject(type: string, settings: NodeSettings, name: string): string[] {
  const value = settings[name];
  return value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))
    ? []
    : [`${type} "${name}" must be an object, not ${shown(value)}`];
}
