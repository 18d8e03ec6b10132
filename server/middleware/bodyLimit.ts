import { bodyLimit } from "hono/body-limit";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";

/** A body cap that answers 413 in the envelope. */
export const limitBody = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(ErrorCode.PayloadTooLarge, bi(`请求体超过 ${maxSize} 字节`, `body exceeds ${maxSize} bytes`));
    },
  });
