/**
 * An error in AWS's own shape. The sandbox server turns it into the wire form of the protocol the
 * caller used: `{"__type": code, "message": ...}` with `status` for JSON protocols, an
 * `<ErrorResponse>` document for the Query protocol (SNS).
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const throttled = (): AwsError => new AwsError('ThrottlingException', 'Rate exceeded', 400);
export const validation = (message: string): AwsError => new AwsError('ValidationException', message, 400);
