{%- import "typescript/src/macros.ts" as m -%}
// {{ header }}

/** A typed client for every operation of the spec, on the Fetch API. */

import * as ops from "./operations.ts";
import type { OperationSpec } from "./operations.ts";
import {
  send,
  type AnyRequest,
  type CredentialSource,
  type RequestOptions,
} from "./transport.ts";

export {
  InvalidRequestError,
  InvalidResponseError,
  UnexpectedResponseError,
  type CredentialSource,
  type RequestOptions,
} from "./transport.ts";

/** Settings of {{ client_name }}. */
export interface ClientOptions {
  /** The server's base URL, e.g. `https://api.example.com`; paths are appended. */
  baseUrl: string;
  /** The fetch implementation (default: `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** One credential source per security scheme of the spec, by scheme name. */
  credentials?: {{ credentials_type }};
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** A client for {{ title }}. */
export class {{ client_name }} {
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    this.#options = options;
  }
{%- for method in methods %}
{# one blank line between members #}
{%- if !method.doc.is_empty() %}
  /**
{%- for line in method.doc %}
   *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
   */
{%- endif %}
{%- call m::call(method.signature) %}{% endcall %}
{%- call m::call(method.body) %}{% endcall %}
  }
{%- endfor %}

  /** Sends a request; the caller's declared response type is the cast. */
  async #call<T>(
    spec: OperationSpec,
    request: AnyRequest,
    options: RequestOptions,
  ): Promise<T> {
    return (await send(this.#options, spec, request, options)) as T;
  }
}
