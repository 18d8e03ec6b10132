import { benchIngest } from "./ingest.ts";
import { writeResult } from "./machine.ts";

/** `npm run bench`: every benchmark, each writing its figures to bench/results/. */
const ingest = await benchIngest();
console.log(JSON.stringify(ingest, null, 2));
console.error("written:", writeResult(`ingest-preload${ingest.setup.preloadedDemoUsers}`, ingest));
