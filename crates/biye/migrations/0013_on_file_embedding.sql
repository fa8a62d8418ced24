-- The embedding of each photo on file, computed once when it is imported:
-- every accepted capture used to embed the photo on file again (25–35 ms of
-- CPU each). Photos imported before have none and are embedded per capture
-- as before. embedding_model names the network (photo::embedding_model);
-- another network's embedding is never compared.
ALTER TABLE photos_on_file ADD COLUMN embedding TEXT;
ALTER TABLE photos_on_file ADD COLUMN embedding_model TEXT;
