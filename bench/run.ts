import { benchAgent, printAgentTable } from "./agent.ts";
import { benchBilling, printBillingTable } from "./billing.ts";
import { benchIngest } from "./ingest.ts";
import { benchSongs, printSongsTable } from "./songs.ts";
import { benchPersonas, printPersonasTable } from "./personas.ts";
import { writeResult } from "./machine.ts";
import { benchRuntimes, printRuntimesTable } from "./runtimes.ts";
import { benchSegments } from "./segments.ts";

/**
 * `npm run bench`: every benchmark, each writing its figures to bench/results/. `BENCH=ingest`,
 * `BENCH=segments`, `BENCH=agent`, `BENCH=billing`, `BENCH=songs`, `BENCH=personas` or `BENCH=runtimes` (Node next to the Worker under `wrangler dev
 * --local`) runs one; the segment benchmark keeps its demo database in bench/tmp.
 */
const only = process.env.BENCH?.split(",");
if (!only || only.includes("ingest")) {
  const ingest = await benchIngest();
  console.log(JSON.stringify(ingest, null, 2));
  console.error("written:", writeResult(`ingest-preload${ingest.setup.preloadedDemoUsers}`, ingest));
}
if (!only || only.includes("segments")) {
  const segments = await benchSegments();
  console.log(JSON.stringify(segments, null, 2));
  console.error("written:", writeResult(`segments-${segments.setup.users}`, segments));
}
if (!only || only.includes("agent")) {
  const agent = await benchAgent();
  console.log(JSON.stringify(agent, null, 2));
  printAgentTable(agent);
  console.error("written:", writeResult("agent", agent));
}
if (!only || only.includes("runtimes")) {
  const runtimes = await benchRuntimes();
  console.log(JSON.stringify(runtimes, null, 2));
  printRuntimesTable(runtimes);
  console.error("written:", writeResult("runtimes", runtimes));
}
if (!only || only.includes("billing")) {
  const billing = await benchBilling();
  console.log(JSON.stringify(billing, null, 2));
  printBillingTable(billing);
  console.error("written:", writeResult("billing", billing));
}
if (!only || only.includes("songs")) {
  const songs = await benchSongs();
  console.log(JSON.stringify(songs, null, 2));
  printSongsTable(songs);
  console.error("written:", writeResult("songs", songs));
}
if (!only || only.includes("personas")) {
  const personas = await benchPersonas();
  console.log(JSON.stringify(personas, null, 2));
  printPersonasTable(personas);
  console.error("written:", writeResult("personas", personas));
}
