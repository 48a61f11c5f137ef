/**
 * Preloaded for every test file (bunfig.toml): a request or answer on a stand-in that X's or Twilio's OpenAPI
 * document does not allow fails the test that caused it, unless that test took it from the stand-in.
 */
import { afterEach } from "bun:test";
import {
  type ContractViolation,
  describeViolation,
  onContractViolation,
  wasTaken,
} from "../../src/sandbox/contract/violations";

const seen: ContractViolation[] = [];
onContractViolation((violation) => void seen.push(violation));

afterEach(() => {
  const left = seen.splice(0).filter((violation) => !wasTaken(violation));
  if (left.length > 0) {
    throw new Error(
      `A stand-in saw what the real service would not allow:\n${left.map(describeViolation).join("\n")}`,
    );
  }
});
