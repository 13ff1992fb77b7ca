/**
 * --verbose: one line per HTTP attempt to Azure, with method, path, status and time. The query string is
 * dropped (SAS links carry signatures there) except api-version; bodies and headers are never logged.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export function describeRequestUrl(url: string): string {
  const parsed = new URL(url);
  const apiVersion = parsed.searchParams.get('api-version');
  return `${parsed.host}${parsed.pathname}${apiVersion ? `?api-version=${apiVersion}` : ''}`;
}

export function requestLogPolicy(log: (line: string) => void): PipelinePolicy {
  return {
    name: 'qlikAzureRequestLog',
    async sendRequest(request, next) {
      const started = Date.now();
      const target = `${request.method} ${describeRequestUrl(request.url)}`;
      try {
        const response = await next(request);
        log(`${target} -> ${response.status} (${Date.now() - started} ms)`);
        return response;
      } catch (error) {
        log(`${target} -> ${(error as { code?: string }).code ?? 'failed'} (${Date.now() - started} ms)`);
        throw error;
      }
    },
  };
}
