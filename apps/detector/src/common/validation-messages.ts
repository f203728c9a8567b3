import type { ValidationError } from 'class-validator';

/**
 * Every failed constraint as a sentence, nested ones prefixed with their path ("inputs.0.datatype must be one of
 * ..."), so an error inside an array of objects names the element instead of "inputs is invalid".
 */
export function validationMessages(errors: readonly ValidationError[], parentPath = ''): string[] {
  return errors.flatMap((error) => {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => (parentPath ? `${parentPath}.${message}` : message));
    const nested = validationMessages(error.children ?? [], path);
    return own.length + nested.length > 0 ? [...own, ...nested] : [`${path} is invalid`];
  });
}
