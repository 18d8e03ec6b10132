/**
 * Originality certificates over HTTP: issued through the metered path, verified by anyone, and any
 * changed byte — of a file or of the signed manifest — fails verification.
 */
import { describe, expect, it } from "vitest";
import { expectEnvelope, rows, setup } from "./helpers.ts";

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

describe("certificates", () => {
  it("a certificate verifies with the song's files; one changed byte in any file or in the manifest fails", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const song = (await t.call("POST", "/v1/songs", { key, body: { userId: "ann", seed: 3, durationSec: 10, theme: "海" } })).body.song;
    const issued = await t.call("POST", `/v1/songs/${song.id}/certificate`, { key, body: {} });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const cert = issued.body.certificate;
    expect(cert.manifest).toMatchObject({ type: "flywheel.originality-certificate", song: { id: song.id, seed: 3 }, similarity: { score: 0, comparedWith: 0 } });
    expect(Object.keys(cert.manifest.files).sort()).toEqual(["audio.wav", "cover.svg", "lyrics.json", "song.mid"]);

    const files: Record<string, Uint8Array> = {};
    for (const name of Object.keys(cert.manifest.files)) {
      const r = await t.app.request(`/v1/songs/${song.id}/${name}`, { headers: { authorization: `Bearer ${key}` } });
      files[name] = new Uint8Array(await r.arrayBuffer());
    }
    const verify = (certificate: string, fs: Record<string, Uint8Array>) =>
      t.call("POST", "/v1/certificates/verify", { body: { certificate, files: Object.fromEntries(Object.entries(fs).map(([n, b]) => [n, b64(b)])) } });
    const good = await verify(cert.certificate, files);
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ valid: true, problems: [], files: { "audio.wav": "match", "song.mid": "match", "cover.svg": "match", "lyrics.json": "match" } });

    for (const name of Object.keys(files)) {
      const changed = files[name]!.slice();
      changed[Math.floor(changed.length / 2)]! ^= 1;
      const r = await verify(cert.certificate, { ...files, [name]: changed });
      expect(r.body.valid, name).toBe(false);
      expect(r.body.files[name]).toBe("mismatch");
    }
    // The manifest: one character of the signed payload changed, or the signature itself.
    const [h, p, s] = (cert.certificate as string).split(".");
    const payload = Buffer.from(p!, "base64url").toString().replace('"seed":3', '"seed":4');
    const forged = await verify(`${h}.${Buffer.from(payload).toString("base64url")}.${s}`, {});
    expect(forged.body).toMatchObject({ valid: false });
    // A middle character of the signature (the last one carries padding bits a decoder may ignore).
    const mid = Math.floor(s!.length / 2);
    const badSig = await verify(`${h}.${p}.${s!.slice(0, mid)}${s![mid] === "A" ? "B" : "A"}${s!.slice(mid + 1)}`, {});
    expect(badSig.body.valid).toBe(false);

    // The public key is published; a second request answers the first certificate and charges nothing.
    const jwks = await (await t.app.request("/.well-known/flywheel-certificate-keys.json")).json();
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(jwks.keys[0].d).toBeUndefined();
    const again = await t.call("POST", `/v1/songs/${song.id}/certificate`, { key, body: {} });
    expect(again.body).toMatchObject({ replay: true, certificate: { id: cert.id } });
    expect(rows(t.db, "SELECT count(*) AS n FROM credit_holds WHERE feature = 'certificate'")).toEqual([{ n: 1 }]);
    expect((await t.call("GET", `/v1/certificates/${cert.id}`, { key })).body.certificate).toBe(cert.certificate);
    expectEnvelope(await t.call("POST", "/v1/certificates/verify", { body: { certificate: 1 } }), 400, "validation_failed");
  }, 60_000);

  it("a song whose melody copies an earlier one scores 1 against it; a different one scores lower", async () => {
    const t = setup();
    const key = t.key("acme", ["generate"]);
    const make = async (userId: string, seed: number) => (await t.call("POST", "/v1/songs", { key, body: { userId, seed, durationSec: 10, theme: "雨", style: "ballad", mood: "sad" } })).body.song;
    const first = await make("u1", 11);
    const copy = await make("u2", 11);
    const other = await make("u3", 12345);
    const c = (await t.call("POST", `/v1/songs/${copy.id}/certificate`, { key, body: {} })).body.certificate;
    expect(c.manifest.similarity).toMatchObject({ score: 1, mostSimilarSongId: first.id, comparedWith: 1 });
    const o = (await t.call("POST", `/v1/songs/${other.id}/certificate`, { key, body: {} })).body.certificate;
    expect(o.manifest.similarity.score).toBeLessThan(1);
  }, 60_000);
});
