import { Detection, InputSize, StageTimings } from '@app/vision';
import { FrameErrorCode } from './frame-detector';
import { StreamSettings } from './stream-settings.dto';

/** Where streams are opened: `ws://host:port/stream?model=yolov5s&input_size=320`. */
export const STREAM_PATH = '/stream';

/** How a stream ends when the server closes it (the close frame's reason says more). */
export const CLOSE_CODES = {
  /** The server is shutting down: reconnect to another instance. */
  shuttingDown: 1001,
  /** A message larger than 4 × STREAM_MAX_FRAME_MB (set on the socket, sent by ws itself). */
  messageTooBig: 1009,
  /** STREAM_MAX_STREAMS streams are already open in this process. */
  tooManyStreams: 1013,
  /** The settings in the URL that opened the stream are invalid. */
  badSettings: 4400,
  /** No frame and no accepted settings for STREAM_IDLE_TIMEOUT_MS (invalid messages do not count). */
  idle: 4408,
  /** More than STREAM_MAX_MESSAGES_PER_SECOND messages in a second. */
  tooManyMessages: 4429,
} as const;

/** Error codes of `error` messages: the stream stays open. */
export type StreamErrorCode = FrameErrorCode | 'frame_too_large' | 'unsupported_format' | 'bad_settings' | 'bad_message' | 'internal';

/**
 * What the server sends: JSON text messages `{"event": ..., "data": ...}` (NestJS's WebSocket convention). While the
 * client leaves more than STREAM_MAX_UNREAD_KB of answers unread, every message but `detections` is skipped.
 */
export interface StreamMessages {
  /** Once, when the stream opens, and after every accepted settings message. */
  settings: { settings: StreamSettings; limits: { max_frame_bytes: number; max_messages_per_second: number; idle_timeout_ms: number } };
  /** Per processed frame, in the order the frames arrived. */
  detections: {
    /** The frame's number: binary messages are numbered 1, 2, 3… in the order they reach the server. */
    frame: number;
    model: string;
    detections: Detection[];
    image: InputSize;
    input: InputSize;
    /** Milliseconds in each stage on the worker. */
    timings: StageTimings;
    /** Milliseconds the frame waited in the stream's slot (behind the stream's previous frame) and for a worker. */
    wait_ms: number;
    /** Milliseconds from the frame's arrival to this answer. */
    server_ms: number;
    /** Frames of this stream dropped so far (replaced by a newer frame before they ran). */
    dropped: number;
  };
  /** A frame replaced by a newer one before it ran. */
  dropped: { frame: number; dropped: number };
  /** A frame or message that could not be used; `frame` is absent for settings and unreadable messages. */
  error: { code: StreamErrorCode; message: string; frame?: number };
}

export type StreamEvent = keyof StreamMessages;
