import { ApiProperty } from '@nestjs/swagger';

/** Every error answer: FastAPI's `detail` (what the seed's clients read) plus Nest's status fields. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({ example: 'Unknown model "yolov9". Available models: yolov5s, yolov5m, yolov5l.' })
  detail: string;
}
