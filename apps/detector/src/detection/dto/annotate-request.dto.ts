import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { AnnotatedImageFormat } from '@app/vision';
import { PredictRequestDto, PredictUploadDto } from './predict-request.dto';

export const ANNOTATED_IMAGE_FORMATS: readonly AnnotatedImageFormat[] = ['png', 'jpeg'];

class AnnotatedFormatDto {
  @ApiPropertyOptional({
    description: 'Image format of the answer. Without it the Accept header decides (image/png or image/jpeg), PNG by default.',
    enum: ANNOTATED_IMAGE_FORMATS,
    example: 'jpeg',
  })
  @IsOptional()
  @IsIn(ANNOTATED_IMAGE_FORMATS)
  format?: AnnotatedImageFormat;
}

/** JSON body of POST /predict/annotated: /predict's body plus the answer's image format. */
export class AnnotateRequestDto extends IntersectionType(PredictRequestDto, AnnotatedFormatDto) {}

/** multipart/form-data body of POST /predict/annotated. */
export class AnnotateUploadDto extends IntersectionType(PredictUploadDto, AnnotatedFormatDto) {}
