//! iputils `ping` (being written).
