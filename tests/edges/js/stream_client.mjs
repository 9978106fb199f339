// One streamed chat through an npm client, reported as JSON lines on stdout as it happens (read by
// benchmarks/stream_clients.py): {"kind":"start"|"chunk"|"usage"|"end", "t": seconds}. `t` is process.hrtime
// (libuv: CLOCK_MONOTONIC on Linux), the clock of Python's time.monotonic(), so it compares with the emulator's.
// Usage: node stream_client.mjs openai|ai-sdk BASE_URL MODEL PROMPT
import OpenAI from "openai";
import { streamText } from "ai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";

const [client, baseURL, model, prompt] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e9;
const say = (record) => process.stdout.write(JSON.stringify({ ...record, t: now() }) + "\n");

async function viaOpenAI() {
  const openai = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
  say({ kind: "start" });
  const stream = await openai.chat.completions.create({
    model,
    messages: [{ role: "user", content: prompt }],
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) {
    const text = chunk.choices?.[0]?.delta?.content;
    if (text) say({ kind: "chunk", chars: text.length });
    if (chunk.usage) say({ kind: "usage", usage: chunk.usage });
  }
}

async function viaAiSdk() {
  const provider = createOpenAICompatible({ name: "oci-genai-fn", baseURL, apiKey: "unused", includeUsage: true });
  say({ kind: "start" });
  const result = streamText({ model: provider(model), prompt, maxRetries: 0 });
  for await (const part of result.fullStream) {
    if (part.type === "text-delta" && part.text) say({ kind: "chunk", chars: part.text.length });
    if (part.type === "error") throw part.error;
    if (part.type === "finish" && part.totalUsage?.totalTokens) say({ kind: "usage", usage: part.totalUsage });
  }
}

await (client === "openai" ? viaOpenAI() : viaAiSdk());
say({ kind: "end" });
