import type { ValidationError } from 'class-validator';

/**
 * Every failed constraint as a sentence, nested ones prefixed with their path ("inputs.0.datatype must be one of
 * ..."), so an error inside an array of objects names the element instead of "inputs is invalid".
 */
export function validationMessages(errors: readonly ValidationError[], parentPath = ''): string[] {
  return errors.flatMap((error) => {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const own = ownMessages(error.constraints ?? {}, error.property).map((message) => (parentPath ? `${parentPath}.${message}` : message));
    const nested = validationMessages(error.children ?? [], path);
    return own.length + nested.length > 0 ? [...own, ...nested] : [`${path} is invalid`];
  });
}

/**
 * A value that is not an array where one is expected fails only as such (not also on its length), and a nested
 * object given something else "must be an object" (class-validator says "each value in nested property inputs
 * must be either object or array").
 */
function ownMessages(constraints: Record<string, string>, property: string): string[] {
  if (constraints.isArray) return [constraints.isArray];
  return Object.entries(constraints).map(([name, message]) => (name === 'nestedValidation' ? `${property} must be an object` : message));
}
