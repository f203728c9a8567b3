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
});
