import { ValidationError } from 'class-validator';
import { validationMessages } from './validation-messages';

const failure = (property: string, constraints?: Record<string, string>, children: ValidationError[] = []): ValidationError =>
  Object.assign(new ValidationError(), { property, constraints, children });

describe('validationMessages', () => {
  it('keeps top-level messages as class-validator words them', () => {
    expect(validationMessages([failure('model', { isString: 'model must be a string' })])).toEqual(['model must be a string']);
  });

  it('prefixes nested messages with their path, array indices included', () => {
    const errors = [failure('inputs', undefined, [failure('0', undefined, [failure('datatype', { isIn: 'datatype must be one of the following values: BYTES' })])])];
    expect(validationMessages(errors)).toEqual(['inputs.0.datatype must be one of the following values: BYTES']);
  });

  it('names a property that failed without a message', () => {
    expect(validationMessages([failure('parameters')])).toEqual(['parameters is invalid']);
  });

  it('says that a nested object must be an object, and that a non-array must be an array, without the noise', () => {
    const nested = [failure('inputs', undefined, [failure('0', { nestedValidation: 'each value in nested property inputs must be either object or array' })])];
    expect(validationMessages(nested)).toEqual(['inputs.0 must be an object']);
    const notArray = failure('inputs', {
      arrayMaxSize: 'inputs must contain no more than 16 elements',
      arrayMinSize: 'inputs must contain at least 1 elements',
      isArray: 'inputs must be an array',
      nestedValidation: 'each value in nested property inputs must be either object or array',
    });
    expect(validationMessages([notArray])).toEqual(['inputs must be an array']);
  });
});
